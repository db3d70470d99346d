//! What the `search_path` setting means for relation names: which namespaces an unqualified
//! name searches, in which order, and where an unqualified CREATE puts a new relation.
//!
//! Quill's namespaces are `public`, the user schemas (`CREATE SCHEMA`), the session's
//! temporary namespace `pg_temp_N`, and the system schemas `pg_catalog` and
//! `information_schema` (whose relations the engine provides; nothing is created in them).
//! A path element naming a schema that does not exist is skipped as PostgreSQL skips it.
//! The rules are PostgreSQL's (`namespace.c`, `recomputeNamespacePath`):
//! - the temporary namespace is searched first unless `pg_temp` is listed, then where listed;
//! - the system schemas are searched before the path unless listed (the caller resolving
//!   system relations does that: see `sql::syscat`);
//! - an unqualified CREATE goes to the first listed schema that exists; `pg_temp` listed
//!   first counts as existing (the session's temporary namespace is made for it); with none,
//!   3F000 "no schema has been selected to create in".

use crate::error::{EngineError, Result};

/// A schema `search_path` can name that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathSchema {
    Public,
    Temp,
    PgCatalog,
    InformationSchema,
    /// A user schema (`CREATE SCHEMA`), by OID.
    User(u32),
}

/// A parsed `search_path`: its elements in order, as names (`"$user"` kept as such). Which
/// of them exist is decided when a name is resolved ([`SearchPath::resolve`]), so a schema
/// created or dropped after the SET is seen, as in PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPath {
    names: Vec<String>,
}

impl Default for SearchPath {
    /// PostgreSQL's default `"$user", public`.
    fn default() -> Self {
        SearchPath {
            names: vec!["$user".into(), "public".into()],
        }
    }
}

impl SearchPath {
    /// Parses a `search_path` value: a comma-separated list of identifiers, each either
    /// double-quoted (`""` for a quote) or bare (folded to lower case).
    pub fn parse(value: &str) -> SearchPath {
        let names = value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(
                |element| match element.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                    Some(quoted) => quoted.replace("\"\"", "\""),
                    None => element.to_ascii_lowercase(),
                },
            )
            .collect();
        SearchPath { names }
    }

    /// The existing schemas of the path in order, each once: `"$user"` names the schema
    /// called `user` (the current user's name), `user_schema` finds a user schema's OID.
    pub fn resolve(
        &self,
        user: Option<&str>,
        user_schema: impl Fn(&str) -> Option<u32>,
    ) -> ResolvedPath {
        let mut entries = Vec::new();
        for name in &self.names {
            let name = match (name.as_str(), user) {
                ("$user", Some(u)) => u,
                ("$user", None) => continue,
                (n, _) => n,
            };
            let schema = match name {
                "public" => Some(PathSchema::Public),
                "pg_temp" => Some(PathSchema::Temp),
                "pg_catalog" => Some(PathSchema::PgCatalog),
                "information_schema" => Some(PathSchema::InformationSchema),
                other => user_schema(other).map(PathSchema::User),
            };
            if let Some(schema) = schema {
                if !entries.contains(&schema) {
                    entries.push(schema);
                }
            }
        }
        ResolvedPath { entries }
    }
}

/// A search path's existing schemas in order, each once (see [`SearchPath::resolve`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedPath {
    entries: Vec<PathSchema>,
}

impl ResolvedPath {
    /// The listed schemas, in order.
    pub fn listed(&self) -> impl Iterator<Item = PathSchema> + '_ {
        self.entries.iter().copied()
    }

    /// Whether `public` is on the path (unqualified names can find its relations).
    pub fn has_public(&self) -> bool {
        self.listed().any(|s| s == PathSchema::Public)
    }

    /// The namespaces an unqualified relation name searches, in order, as namespace
    /// numbers (see `crate::catalog::TableDef::temp`): the session's temporary namespace
    /// `viewer` (when not 0), 0 for `public`, a user schema's OID.
    pub fn relation_spaces(&self, viewer: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let temp_listed = self.listed().any(|s| s == PathSchema::Temp);
        if viewer != 0 && !temp_listed {
            out.push(viewer);
        }
        for schema in self.listed() {
            match schema {
                PathSchema::Temp if viewer != 0 => out.push(viewer),
                PathSchema::Public => out.push(0),
                PathSchema::User(oid) => out.push(oid),
                _ => {}
            }
        }
        out
    }

    /// The first listed schema that exists (`current_schema()`): the temporary namespace
    /// exists when `has_temp`.
    pub fn first_existing(&self, has_temp: bool) -> Option<PathSchema> {
        self.listed().find(|&s| s != PathSchema::Temp || has_temp)
    }

    /// Whether the temporary namespace is searched before every other schema (it is not
    /// listed, or listed first).
    pub fn temp_first(&self) -> bool {
        self.listed()
            .position(|s| s == PathSchema::Temp)
            .is_none_or(|i| i == 0)
    }

    /// Where an unqualified CREATE puts a relation: the first listed schema that exists
    /// (the temporary namespace exists when `has_temp`, or is made when listed first).
    pub fn creation(&self, has_temp: bool) -> Option<PathSchema> {
        self.listed()
            .enumerate()
            .find(|&(i, s)| s != PathSchema::Temp || has_temp || i == 0)
            .map(|(_, s)| s)
    }
}

/// Splits the parts of a relation name into its schema (if qualified) and bare name, as
/// PostgreSQL's `DeconstructQualifiedName`: a third part must name this database (0A000
/// "cross-database references are not implemented" otherwise); more parts are 42601.
pub fn qualified<'p>(parts: &'p [String], db: &str) -> Result<(Option<&'p str>, &'p str)> {
    match parts {
        [name] => Ok((None, name)),
        [schema, name] => Ok((Some(schema), name)),
        [d, schema, name] if d == db => Ok((Some(schema), name)),
        [_, _, _] => Err(EngineError::FeatureNotSupported {
            feature: format!(
                "cross-database references are not implemented: {}",
                parts.join(".")
            ),
        }),
        _ => Err(EngineError::Syntax {
            message: format!(
                "improper qualified name (too many dotted names): {}",
                parts.join(".")
            ),
            position: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathSchema::*;

    fn resolve(value: &str) -> ResolvedPath {
        SearchPath::parse(value).resolve(Some("alice"), |n| match n {
            "alice" => Some(20000),
            "s" => Some(20001),
            _ => None,
        })
    }

    #[test]
    fn parses_as_postgres_resolves() {
        assert_eq!(
            SearchPath::parse("\"$user\", public"),
            SearchPath::default()
        );
        let p = resolve("foo, \"PUBLIC\", Public, pg_temp, PG_CATALOG, public, S");
        assert_eq!(
            p.listed().collect::<Vec<_>>(),
            [Public, Temp, PgCatalog, User(20001)]
        );
        assert!(resolve("foo").listed().next().is_none());
        assert!(!resolve("\"Public\"").has_public());
        assert_eq!(
            resolve("\"$user\", public").listed().collect::<Vec<_>>(),
            [User(20000), Public]
        );
    }

    #[test]
    fn the_temp_namespace_comes_first_unless_listed() {
        let default = resolve("public");
        assert_eq!(default.relation_spaces(3), [3, 0]);
        assert_eq!(default.relation_spaces(0), [0]);
        let later = resolve("s, public, pg_temp");
        assert_eq!(later.relation_spaces(3), [20001, 0, 3]);
        assert_eq!(resolve("foo").relation_spaces(3), [3]);
        assert!(resolve("foo").relation_spaces(0).is_empty());
        assert!(default.temp_first());
        assert!(resolve("pg_temp, public").temp_first());
        assert!(!later.temp_first());
    }

    #[test]
    fn creation_goes_to_the_first_existing_schema() {
        assert_eq!(resolve("public").creation(false), Some(Public));
        assert_eq!(resolve("nope, public").creation(false), Some(Public));
        assert_eq!(
            resolve("nope, s, public").creation(false),
            Some(User(20001))
        );
        assert_eq!(resolve("nope").creation(true), None);
        assert_eq!(resolve("pg_temp, public").creation(false), Some(Temp));
        assert_eq!(resolve("nope, pg_temp, public").creation(false), Some(Temp));
        assert_eq!(resolve("public, pg_temp").creation(true), Some(Public));
        assert_eq!(
            resolve("pg_catalog, public").creation(false),
            Some(PgCatalog)
        );
    }
}
