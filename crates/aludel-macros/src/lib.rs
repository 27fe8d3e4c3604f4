//! Derive macros for aludel. Use them through the `aludel` crate:
//! `use aludel::prelude::*;` brings `#[derive(Table)]` into scope.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Ident, LitInt, LitStr, Path, Token, Type};

/// Describes a table with a struct: one field per column.
///
/// Generates, next to the struct `Users`:
/// - `users`, a namespace (an empty enum) with one typed column constant per field
///   (`users::id: Column<i64>`), `users::table` (the FROM item, rows decode into `Users`)
///   and `users::alias("u2")` (a typed alias for self-joins);
/// - `impl TableRow for Users`.
///
/// A field of type `T` is a `NOT NULL` column of `T`'s SQL type; `Option<T>` is nullable.
///
/// Struct attributes, `#[aludel(...)]`: `name = "users"` (table name; default: the struct
/// name in snake_case), `schema = "app"`, `ident = "users"` (the namespace's name),
/// `primary_key(a, b)` (composite key), `unique(a, b)` / `unique(name = "uq", a, b)`,
/// `index(a, b)` /
/// `index(name = "ix", a, b)`, `unique_index(..)`, `check = "sql"`,
/// `foreign_key(columns(a, b), references(other::x, other::y), on_delete = "cascade")`,
/// `crate = "aludel_core"` (path to the core crate when not using `aludel`).
///
/// Field attributes: `column = "SQL name"`, `primary_key`, `autoincrement` /
/// `autoincrement = false`, `unique`, `index`, `length = 50` (VARCHAR(50)),
/// `precision = 10, scale = 2` (NUMERIC(10, 2)), `default = <expr>` and
/// `onupdate = <expr>` (Rust expressions evaluated at every execution),
/// `server_default = "SQL"`, `server_onupdate` / `server_onupdate = "SQL"`,
/// `computed = "SQL"` / `computed_virtual = "SQL"` (a generated column, STORED or VIRTUAL:
/// left out of `assignments()`),
/// `references = other::column` with `on_delete = ".."` / `on_update = ".."`.
///
/// ```
/// use aludel::prelude::*;
///
/// #[derive(Table)]
/// struct Users {
///     #[aludel(primary_key)]
///     id: i64,
///     name: String,
/// }
///
/// #[derive(Table)]
/// #[aludel(name = "posts")]
/// struct Posts {
///     #[aludel(primary_key)]
///     id: i64,
///     #[aludel(references = users::id, on_delete = "cascade")]
///     user_id: i64,
///     #[aludel(length = 200)]
///     title: String,
///     #[aludel(default = "draft")]
///     status: String,
/// }
///
/// let c = insert(posts::table)
///     .values((posts::user_id.set(1), posts::title.set("hi")))
///     .compile(&Postgres)
///     .unwrap();
/// // The client-side default is sent as a parameter, computed at every execution.
/// assert_eq!(c.sql(), "INSERT INTO posts (user_id, title, status) VALUES ($1, $2, $3)");
/// assert_eq!(c.params()[2], Value::from("draft"));
/// let author = users::alias("author");
/// let c = select((posts::title, author.name.clone()))
///     .join(author.table(), author.id.eq(posts::user_id))
///     .compile(&Sqlite)
///     .unwrap();
/// assert_eq!(c.sql(), "SELECT posts.title, author.name FROM posts JOIN users AS author ON author.id = posts.user_id");
/// ```
#[proc_macro_derive(Table, attributes(aludel))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

struct Fk {
    name: Option<LitStr>,
    columns: Vec<Ident>,
    refs: Vec<Path>,
    on_delete: Option<LitStr>,
    on_update: Option<LitStr>,
    span: Span,
}

struct Index {
    name: Option<LitStr>,
    columns: Vec<Ident>,
    unique: bool,
}

#[derive(Default)]
struct TableOpts {
    name: Option<LitStr>,
    schema: Option<LitStr>,
    ident: Option<LitStr>,
    krate: Option<Path>,
    primary_key: Option<Vec<Ident>>,
    uniques: Vec<(Option<LitStr>, Vec<Ident>)>,
    indexes: Vec<Index>,
    checks: Vec<LitStr>,
    fks: Vec<Fk>,
}

#[derive(Default)]
struct FieldOpts {
    column: Option<LitStr>,
    primary_key: bool,
    autoincrement: Option<bool>,
    unique: bool,
    index: bool,
    length: Option<LitInt>,
    precision: Option<LitInt>,
    scale: Option<LitInt>,
    default: Option<Expr>,
    onupdate: Option<Expr>,
    server_default: Option<LitStr>,
    server_onupdate: Option<Option<LitStr>>,
    references: Option<Path>,
    on_delete: Option<LitStr>,
    on_update: Option<LitStr>,
    /// `computed = "sql"` (STORED) or `computed_virtual = "sql"`: the SQL and whether stored.
    computed: Option<(LitStr, bool)>,
}

fn ident_list(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let mut out = Vec::new();
    meta.parse_nested_meta(|inner| {
        out.push(inner.path.require_ident()?.clone());
        Ok(())
    })?;
    Ok(out)
}

fn parse_table_opts(input: &DeriveInput) -> syn::Result<TableOpts> {
    let mut o = TableOpts::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("name") {
                o.name = Some(meta.value()?.parse()?);
            } else if p.is_ident("schema") {
                o.schema = Some(meta.value()?.parse()?);
            } else if p.is_ident("ident") {
                o.ident = Some(meta.value()?.parse()?);
            } else if p.is_ident("crate") {
                let s: LitStr = meta.value()?.parse()?;
                o.krate = Some(s.parse()?);
            } else if p.is_ident("primary_key") {
                o.primary_key = Some(ident_list(&meta)?);
            } else if p.is_ident("unique") {
                let mut name = None;
                let mut cols = Vec::new();
                meta.parse_nested_meta(|inner| {
                    // `name = "uq"` names the constraint; a bare `name` is a column.
                    if inner.path.is_ident("name") && inner.input.peek(Token![=]) {
                        name = Some(inner.value()?.parse()?);
                    } else {
                        cols.push(inner.path.require_ident()?.clone());
                    }
                    Ok(())
                })?;
                o.uniques.push((name, cols));
            } else if p.is_ident("index") || p.is_ident("unique_index") {
                let unique = p.is_ident("unique_index");
                let mut ix = Index {
                    name: None,
                    columns: Vec::new(),
                    unique,
                };
                meta.parse_nested_meta(|inner| {
                    // `name = "ix"` names the index; a bare `name` is a column.
                    if inner.path.is_ident("name") && inner.input.peek(Token![=]) {
                        ix.name = Some(inner.value()?.parse()?);
                    } else {
                        ix.columns.push(inner.path.require_ident()?.clone());
                    }
                    Ok(())
                })?;
                o.indexes.push(ix);
            } else if p.is_ident("check") {
                o.checks.push(meta.value()?.parse()?);
            } else if p.is_ident("foreign_key") {
                let mut fk = Fk {
                    name: None,
                    columns: Vec::new(),
                    refs: Vec::new(),
                    on_delete: None,
                    on_update: None,
                    span: p.span(),
                };
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("columns") {
                        fk.columns = ident_list(&inner)?;
                    } else if inner.path.is_ident("references") {
                        let content;
                        syn::parenthesized!(content in inner.input);
                        let paths = content.parse_terminated(Path::parse_mod_style, Token![,])?;
                        fk.refs = paths.into_iter().collect();
                    } else if inner.path.is_ident("on_delete") {
                        fk.on_delete = Some(inner.value()?.parse()?);
                    } else if inner.path.is_ident("on_update") {
                        fk.on_update = Some(inner.value()?.parse()?);
                    } else if inner.path.is_ident("name") {
                        fk.name = Some(inner.value()?.parse()?);
                    } else {
                        return Err(inner.error(
                            "expected `columns(..)`, `references(..)`, `on_delete`, `on_update` or `name`",
                        ));
                    }
                    Ok(())
                })?;
                o.fks.push(fk);
            } else {
                return Err(meta.error(
                    "unknown table attribute; expected one of: name, schema, ident, crate, primary_key, unique, index, unique_index, check, foreign_key",
                ));
            }
            Ok(())
        })?;
    }
    Ok(o)
}

fn parse_field_opts(field: &syn::Field) -> syn::Result<FieldOpts> {
    let mut o = FieldOpts::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("column") {
                o.column = Some(meta.value()?.parse()?);
            } else if p.is_ident("primary_key") {
                o.primary_key = true;
            } else if p.is_ident("autoincrement") {
                o.autoincrement = Some(if meta.input.peek(Token![=]) {
                    meta.value()?.parse::<syn::LitBool>()?.value
                } else {
                    true
                });
            } else if p.is_ident("unique") {
                o.unique = true;
            } else if p.is_ident("index") {
                o.index = true;
            } else if p.is_ident("length") {
                o.length = Some(meta.value()?.parse()?);
            } else if p.is_ident("precision") {
                o.precision = Some(meta.value()?.parse()?);
            } else if p.is_ident("scale") {
                o.scale = Some(meta.value()?.parse()?);
            } else if p.is_ident("default") {
                o.default = Some(meta.value()?.parse()?);
            } else if p.is_ident("onupdate") {
                o.onupdate = Some(meta.value()?.parse()?);
            } else if p.is_ident("server_default") {
                o.server_default = Some(meta.value()?.parse()?);
            } else if p.is_ident("server_onupdate") {
                o.server_onupdate = Some(if meta.input.peek(Token![=]) {
                    Some(meta.value()?.parse()?)
                } else {
                    None
                });
            } else if p.is_ident("references") {
                o.references = Some(meta.value()?.call(Path::parse_mod_style)?);
            } else if p.is_ident("on_delete") {
                o.on_delete = Some(meta.value()?.parse()?);
            } else if p.is_ident("on_update") {
                o.on_update = Some(meta.value()?.parse()?);
            } else if p.is_ident("computed") || p.is_ident("computed_virtual") {
                let stored = p.is_ident("computed");
                o.computed = Some((meta.value()?.parse()?, stored));
            } else {
                return Err(meta.error(
                    "unknown column attribute; expected one of: column, primary_key, autoincrement, unique, index, length, precision, scale, default, onupdate, server_default, server_onupdate, computed, computed_virtual, references, on_delete, on_update",
                ));
            }
            Ok(())
        })?;
    }
    if (o.on_delete.is_some() || o.on_update.is_some()) && o.references.is_none() {
        return Err(syn::Error::new(
            field.span(),
            "on_delete / on_update need `references = table::column`",
        ));
    }
    if o.length.is_some() && (o.precision.is_some() || o.scale.is_some()) {
        return Err(syn::Error::new(
            field.span(),
            "`length` and `precision`/`scale` exclude each other",
        ));
    }
    if o.computed.is_some()
        && (o.default.is_some()
            || o.onupdate.is_some()
            || o.server_default.is_some()
            || o.server_onupdate.is_some()
            || o.autoincrement == Some(true))
    {
        return Err(syn::Error::new(
            field.span(),
            "a computed column gets its value from its expression: it cannot also have a default, onupdate, server_default, server_onupdate or autoincrement",
        ));
    }
    if o.precision.is_some() != o.scale.is_some() {
        return Err(syn::Error::new(
            field.span(),
            "give both `precision` and `scale`",
        ));
    }
    Ok(o)
}

fn fk_action(krate: &Path, lit: &Option<LitStr>) -> syn::Result<TokenStream2> {
    let Some(lit) = lit else {
        return Ok(quote!(::core::option::Option::None));
    };
    let variant = match lit.value().to_ascii_lowercase().as_str() {
        "cascade" => quote!(Cascade),
        "set null" => quote!(SetNull),
        "set default" => quote!(SetDefault),
        "restrict" => quote!(Restrict),
        "no action" => quote!(NoAction),
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "expected \"cascade\", \"set null\", \"set default\", \"restrict\" or \"no action\"",
            ));
        }
    };
    Ok(quote!(::core::option::Option::Some(#krate::schema::FkAction::#variant)))
}

fn opt_str(s: Option<&LitStr>) -> TokenStream2 {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

struct Col<'a> {
    field: &'a Ident,
    ty: &'a Type,
    sql_name: String,
    opts: FieldOpts,
}

/// The type path and column name of `other::column`.
fn split_ref(path: &Path) -> syn::Result<(Path, Ident)> {
    let mut p = path.clone();
    let last = p
        .segments
        .pop()
        .ok_or_else(|| syn::Error::new(path.span(), "expected `table::column`"))?
        .ident;
    if p.segments.is_empty() {
        return Err(syn::Error::new(path.span(), "expected `table::column`"));
    }
    // Drop the trailing `::` left by pop().
    let segments = p.segments.into_iter().collect();
    Ok((
        Path {
            leading_colon: p.leading_colon,
            segments,
        },
        last,
    ))
}

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Table)] needs a struct",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Table)] needs a struct with named fields, one per column",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Table)] does not support generic structs",
        ));
    }
    let opts = parse_table_opts(&input)?;
    let krate: Path = opts
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::aludel));
    let strukt = &input.ident;
    let vis = &input.vis;
    let table_name = opts
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| snake_case(&strukt.to_string()));
    let ns_name = opts
        .ident
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| snake_case(&strukt.to_string()));
    let ns = Ident::new(&ns_name, strukt.span());
    let alias_ty = format_ident!("{}Alias", strukt);
    let stat = |what: &str| format_ident!("__ALUDEL_{}_{}", what, strukt);
    let (s_table, s_cols, s_cons, s_ix) = (
        stat("TABLE"),
        stat("COLUMNS"),
        stat("CONSTRAINTS"),
        stat("INDEXES"),
    );

    let mut cols = Vec::new();
    for f in &named.named {
        let field = f
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new(f.span(), "unnamed field"))?;
        let fname = field.to_string();
        if matches!(fname.as_str(), "table" | "alias") || fname.starts_with("__aludel") {
            return Err(syn::Error::new(
                field.span(),
                format!(
                    "a column field cannot be called `{fname}` (it would clash with `{ns_name}::{fname}`); rename the field and keep the SQL name with #[aludel(column = \"{fname}\")]"
                ),
            ));
        }
        let o = parse_field_opts(f)?;
        let sql_name = o
            .column
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| fname.clone());
        cols.push(Col {
            field,
            ty: &f.ty,
            sql_name,
            opts: o,
        });
    }
    if cols.is_empty() {
        return Err(syn::Error::new(
            input.span(),
            "a table needs at least one column",
        ));
    }
    let find = |id: &Ident| -> syn::Result<&Col<'_>> {
        cols.iter()
            .find(|c| c.field == id)
            .ok_or_else(|| syn::Error::new(id.span(), format!("no field `{id}` in `{strukt}`")))
    };
    let pk_fields: Vec<String> = match &opts.primary_key {
        Some(list) => {
            if let Some(c) = cols.iter().find(|c| c.opts.primary_key) {
                return Err(syn::Error::new(
                    c.field.span(),
                    "the primary key is given on the struct; remove #[aludel(primary_key)] from the field",
                ));
            }
            for (i, id) in list.iter().enumerate() {
                if list[..i].contains(id) {
                    return Err(syn::Error::new(
                        id.span(),
                        format!("`{id}` is listed twice in primary_key(..)"),
                    ));
                }
            }
            list.iter()
                .map(|id| find(id).map(|c| c.field.to_string()))
                .collect::<syn::Result<_>>()?
        }
        None => cols
            .iter()
            .filter(|c| c.opts.primary_key)
            .map(|c| c.field.to_string())
            .collect(),
    };

    // The primary key's SQL names, in key order.
    let pk_names: Vec<String> = pk_fields
        .iter()
        .filter_map(|f| cols.iter().find(|c| c.field == f))
        .map(|c| c.sql_name.clone())
        .collect();
    let mut helpers = Vec::new();
    let mut col_defs = Vec::new();
    let mut constraints = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let ty = c.ty;
        let name = &c.sql_name;
        let data_type = if let Some(n) = &c.opts.length {
            quote!(#krate::DataType::Varchar(#n))
        } else if let (Some(p), Some(s)) = (&c.opts.precision, &c.opts.scale) {
            quote!(#krate::DataType::Numeric(::core::option::Option::Some((#p, #s))))
        } else {
            quote!(<#ty as #krate::SqlType>::DATA_TYPE)
        };
        let pk = pk_fields.contains(&c.field.to_string());
        let auto = match c.opts.autoincrement {
            None => quote!(Auto),
            Some(true) => quote!(Yes),
            Some(false) => quote!(No),
        };
        let (unique, index) = (c.opts.unique, c.opts.index);
        let mut default_fn = |e: &Option<Expr>, what: &str| -> TokenStream2 {
            match e {
                None => quote!(::core::option::Option::None),
                Some(e) => {
                    let f = format_ident!("__aludel_{}_{}_{}", what, strukt, c.field);
                    helpers.push(quote! {
                        #[allow(non_snake_case)]
                        fn #f() -> #krate::Value {
                            let v: #ty = ::core::convert::Into::into(#e);
                            #krate::Value::from(v)
                        }
                    });
                    quote!(::core::option::Option::Some(#f as fn() -> #krate::Value))
                }
            }
        };
        let default = default_fn(&c.opts.default, "default");
        let onupdate = default_fn(&c.opts.onupdate, "onupdate");
        let server_default = opt_str(c.opts.server_default.as_ref());
        let qualified = format!("{}.{}", table_name, c.sql_name);
        let server_onupdate = match &c.opts.server_onupdate {
            None => quote!(::core::option::Option::None),
            Some(inner) => {
                let inner = opt_str(inner.as_ref());
                quote!(::core::option::Option::Some(#inner))
            }
        };
        let computed = match &c.opts.computed {
            None => quote!(::core::option::Option::None),
            Some((sql, stored)) => quote!(::core::option::Option::Some((#sql, #stored))),
        };
        col_defs.push(quote! {
            #krate::schema::ColumnDef::__static(
                #name,
                #data_type,
                <#ty as #krate::SqlType>::NULLABLE,
                #pk,
                #krate::schema::Autoincrement::#auto,
                #unique,
                #index,
                #default,
                #onupdate,
                                #server_default,
                #server_onupdate,
                #computed,
                #qualified,
            )
        });
        if let Some(r) = &c.opts.references {
            let (tpath, rcol) = split_ref(r)?;
            let name_const = format_ident!("__aludel_name_{}", rcol);
            let target_fn = format_ident!("__aludel_fk_{}_{}", strukt, i);
            helpers.push(quote! {
                #[allow(non_snake_case)]
                fn #target_fn() -> &'static #krate::schema::TableDef { #tpath::__aludel_def }
            });
            let od = fk_action(&krate, &c.opts.on_delete)?;
            let ou = fk_action(&krate, &c.opts.on_update)?;
            constraints.push(quote! {
                #krate::schema::Constraint::ForeignKey(#krate::schema::ForeignKeyDef::__static(
                    ::core::option::Option::None, &[#name], #target_fn, &[#tpath::#name_const], #od, #ou,
                ))
            });
        }
    }
    for (k, fk) in opts.fks.iter().enumerate() {
        if fk.columns.is_empty() || fk.columns.len() != fk.refs.len() {
            return Err(syn::Error::new(
                fk.span,
                "foreign_key needs columns(..) and references(..) of the same, non-zero length",
            ));
        }
        let names: Vec<String> = fk
            .columns
            .iter()
            .map(|id| find(id).map(|c| c.sql_name.clone()))
            .collect::<syn::Result<_>>()?;
        let mut tpath = None;
        let mut ref_names = Vec::new();
        for r in &fk.refs {
            let (p, col) = split_ref(r)?;
            let name_const = format_ident!("__aludel_name_{}", col);
            ref_names.push(quote!(#p::#name_const));
            tpath.get_or_insert(p);
        }
        let tpath = tpath.ok_or_else(|| syn::Error::new(fk.span, "references(..) is empty"))?;
        let target_fn = format_ident!("__aludel_tfk_{}_{}", strukt, k);
        helpers.push(quote! {
            #[allow(non_snake_case)]
            fn #target_fn() -> &'static #krate::schema::TableDef { #tpath::__aludel_def }
        });
        let fname = opt_str(fk.name.as_ref());
        let od = fk_action(&krate, &fk.on_delete)?;
        let ou = fk_action(&krate, &fk.on_update)?;
        constraints.push(quote! {
            #krate::schema::Constraint::ForeignKey(#krate::schema::ForeignKeyDef::__static(
                #fname, &[#(#names),*], #target_fn, &[#(#ref_names),*], #od, #ou,
            ))
        });
    }
    for (name, list) in &opts.uniques {
        let names: Vec<String> = list
            .iter()
            .map(|id| find(id).map(|c| c.sql_name.clone()))
            .collect::<syn::Result<_>>()?;
        let n = opt_str(name.as_ref());
        constraints.push(quote!(#krate::schema::Constraint::__unique(#n, &[#(#names),*])));
    }
    for check in &opts.checks {
        constraints.push(
            quote!(#krate::schema::Constraint::__check(::core::option::Option::None, #check)),
        );
    }
    let mut indexes = Vec::new();
    for ix in &opts.indexes {
        if ix.columns.is_empty() {
            return Err(syn::Error::new(
                input.span(),
                "index(..) needs at least one column",
            ));
        }
        let names: Vec<String> = ix
            .columns
            .iter()
            .map(|id| find(id).map(|c| c.sql_name.clone()))
            .collect::<syn::Result<_>>()?;
        let name = ix
            .name
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| format!("ix_{}_{}", table_name, names.join("_")));
        let unique = ix.unique;
        indexes.push(quote!(#krate::schema::IndexDef::__static(#name, &[#(#names),*], #unique)));
    }

    // Computed columns are the database's to fill: a row's assignments leave them out.
    let field_idents: Vec<&Ident> = cols
        .iter()
        .filter(|c| c.opts.computed.is_none())
        .map(|c| c.field)
        .collect();
    let schema = opt_str(opts.schema.as_ref());
    let n_cols = col_defs.len();
    let n_cons = constraints.len();
    let n_ix = indexes.len();
    let col_consts = cols.iter().enumerate().map(|(i, c)| {
        let (field, ty) = (c.field, c.ty);
        let idx = i as u16;
        let doc = format!("Column `{}` of table `{}`.", c.sql_name, table_name);
        quote! {
            #[doc = #doc]
            pub const #field: #krate::Column<#ty> = #krate::Column::from_static(&#s_table, #idx);
        }
    });
    let name_consts = cols.iter().map(|c| {
        let n = format_ident!("__aludel_name_{}", c.field);
        let s = &c.sql_name;
        quote!(#[doc(hidden)] pub const #n: &'static str = #s;)
    });
    let alias_fields = cols.iter().map(|c| {
        let (field, ty) = (c.field, c.ty);
        let doc = format!("Column `{}` of the alias.", c.sql_name);
        quote!(#[doc = #doc] pub #field: #krate::Column<#ty>,)
    });
    let alias_inits = cols.iter().enumerate().map(|(i, c)| {
        let field = c.field;
        let idx = i as u16;
        quote!(#field: aliased.col_at(#idx),)
    });
    let ns_doc =
        format!("Typed columns of table `{table_name}` (from `#[derive(Table)]` on [`{strukt}`]).");
    let alias_doc = format!("An alias of table `{table_name}`, made by `{ns_name}::alias(..)`.");
    let table_doc = format!("Table `{table_name}` as a FROM item.");

    Ok(quote! {
        #[allow(non_upper_case_globals)]
        static #s_cols: [#krate::schema::ColumnDef; #n_cols] = [#(#col_defs),*];
        #[allow(non_upper_case_globals)]
        static #s_cons: [#krate::schema::Constraint; #n_cons] = [#(#constraints),*];
        #[allow(non_upper_case_globals)]
        static #s_ix: [#krate::schema::IndexDef; #n_ix] = [#(#indexes),*];
        #[allow(non_upper_case_globals)]
        static #s_table: #krate::schema::TableDef =
            #krate::schema::TableDef::__static(#table_name, #schema, &#s_cols, &#s_cons, &#s_ix, &[#(#pk_names),*]);

        #(#helpers)*

        #[doc = #ns_doc]
        #[allow(non_camel_case_types)]
        #vis enum #ns {}

        #[allow(non_upper_case_globals, dead_code)]
        impl #ns {
            #[doc = #table_doc]
            pub const table: #krate::Table<#strukt> = #krate::Table::from_static(&#s_table);
            #(#col_consts)*
            #[doc(hidden)]
            pub const __aludel_def: &'static #krate::schema::TableDef = &#s_table;
            #(#name_consts)*

            /// The table under another name, with typed columns (for self-joins).
            pub fn alias(name: impl ::core::convert::Into<::std::borrow::Cow<'static, str>>) -> #alias_ty {
                let aliased = #ns::table.alias(name);
                #alias_ty { #(#alias_inits)* __aludel_aliased: aliased }
            }
        }

        #[doc = #alias_doc]
        #[allow(dead_code)]
        #vis struct #alias_ty {
            #(#alias_fields)*
            __aludel_aliased: #krate::Aliased<#strukt>,
        }

        impl #alias_ty {
            /// The alias as a FROM item.
            #[allow(dead_code)]
            pub fn table(&self) -> &#krate::Aliased<#strukt> {
                &self.__aludel_aliased
            }
        }

                impl #krate::TableRow for #strukt {
            fn table() -> #krate::Table<Self> {
                #ns::table
            }

            fn assignments(&self) -> ::std::vec::Vec<#krate::Assignment> {
                ::std::vec![#(#ns::#field_idents.set(::core::clone::Clone::clone(&self.#field_idents))),*]
            }
        }
    })
}

/// `#[derive(FromRow)]`: decode a result row into a struct.
///
/// Named fields are read by column name (`#[aludel(rename = "col")]` to use another
/// name), tuple-struct fields by position; each field's type decodes through
/// `FromValue`, so a NULL into a non-`Option` field or a type mismatch is an error
/// naming the column. `#[aludel(crate = path)]` on the struct points at the crate that
/// re-exports the engine (default `::aludel`).
///
/// ```
/// use aludel::FromRow;
///
/// #[derive(FromRow, Debug, PartialEq)]
/// struct User {
///     id: i64,
///     #[aludel(rename = "user_name")]
///     name: String,
///     nickname: Option<String>,
/// }
///
/// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
/// let r = conn.execute(&aludel::text("SELECT 'ed' AS user_name, NULL AS nickname, 1 AS id")).unwrap();
/// assert_eq!(r.one::<User>().unwrap(), User { id: 1, name: "ed".into(), nickname: None });
/// ```
#[proc_macro_derive(FromRow, attributes(aludel))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    match expand_from_row(input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `#[aludel(crate = path)]` on the struct, `#[aludel(rename = "...")]` on fields (other
/// options belong to `#[derive(Table)]` and are skipped).
fn from_row_attr(attrs: &[syn::Attribute], what: &str) -> syn::Result<Option<syn::Expr>> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("aludel")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(what) {
                found = Some(meta.value()?.parse::<syn::Expr>()?);
            } else if meta.input.peek(Token![=]) {
                // Another derive's option (#[derive(Table)] shares the attribute).
                let _: Expr = meta.value()?.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

fn expand_from_row(input: DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(FromRow)] needs a struct",
        ));
    };
    let krate: Path = match from_row_attr(&input.attrs, "crate")? {
        Some(syn::Expr::Path(p)) => p.path,
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "`crate` takes a path, e.g. #[aludel(crate = ::my_reexport)]",
            ));
        }
        None => syn::parse_quote!(::aludel),
    };
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let engine = quote!(#krate::engine);
    let body = match &data.fields {
        Fields::Named(named) => {
            let mut inits = Vec::new();
            for f in &named.named {
                let ident = f.ident.as_ref().expect("named field");
                let column = match from_row_attr(&f.attrs, "rename")? {
                    Some(syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    })) => s.value(),
                    Some(other) => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`rename` takes a string: #[aludel(rename = \"column\")]",
                        ));
                    }
                    None => ident.to_string().trim_start_matches("r#").to_owned(),
                };
                let ty = &f.ty;
                // Spanned at the field's type: an undecodable type is reported there.
                inits.push(quote_spanned!(ty.span()=> #ident: row.take_named::<#ty>(#column)?));
            }
            quote!(::core::result::Result::Ok(#name { #(#inits),* }))
        }
        Fields::Unnamed(unnamed) => {
            let n = unnamed.unnamed.len();
            let takes = (0..n).map(|i| quote!(row.take(#i)?));
            quote!({
                if row.len() != #n {
                    return ::core::result::Result::Err(#engine::Error::Decode {
                        column: ::std::string::String::new(),
                        message: ::std::format!(
                            "the row has {} columns, {} expects {}",
                            row.len(),
                            ::core::stringify!(#name),
                            #n
                        ),
                    });
                }
                ::core::result::Result::Ok(#name(#(#takes),*))
            })
        }
        Fields::Unit => {
            return Err(syn::Error::new(
                input.span(),
                "#[derive(FromRow)] needs fields to decode columns into",
            ));
        }
    };
    Ok(quote! {
        impl #impl_g #engine::FromRow for #name #ty_g #where_g {
            fn from_row(row: &mut #engine::RowValues<'_>) -> #engine::Result<Self> {
                #body
            }
        }
    })
}
