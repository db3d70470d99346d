//! What the `search_path` setting means for relation names: which namespaces an unqualified
//! name searches, in which order, and where an unqualified CREATE puts a new relation.
//!
//! Quill's namespaces are `public` (every permanent relation), the session's temporary
//! namespace `pg_temp_N`, and the system schemas `pg_catalog` and `information_schema`
//! (whose relations the engine provides; nothing is created in them). A path element naming
//! any other schema names one that does not exist, and is skipped as PostgreSQL skips it.
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
}

/// A parsed `search_path`: its existing schemas in order, each once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchPath {
    entries: [Option<PathSchema>; 4],
}

impl Default for SearchPath {
    /// PostgreSQL's default `"$user", public` (no schema is named after a role).
    fn default() -> Self {
        SearchPath {
            entries: [Some(PathSchema::Public), None, None, None],
        }
    }
}

impl SearchPath {
    /// Parses a `search_path` value: a comma-separated list of identifiers, each either
    /// double-quoted (`""` for a quote) or bare (folded to lower case).
    pub fn parse(value: &str) -> SearchPath {
        let mut path = SearchPath { entries: [None; 4] };
        let mut n = 0;
        for element in value.split(',') {
            let element = element.trim();
            let schema =
                if let Some(quoted) = element.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                    known(&quoted.replace("\"\"", "\""))
                } else {
                    known(&element.to_ascii_lowercase())
                };
            if let Some(schema) = schema {
                if !path.entries.contains(&Some(schema)) && n < path.entries.len() {
                    path.entries[n] = Some(schema);
                    n += 1;
                }
            }
        }
        path
    }

    fn listed(&self) -> impl Iterator<Item = PathSchema> + '_ {
        self.entries.iter().map_while(|e| *e)
    }

    /// Whether `public` is on the path (unqualified names can find permanent relations).
    pub fn has_public(&self) -> bool {
        self.listed().any(|s| s == PathSchema::Public)
    }

    /// The namespaces an unqualified relation name searches, in order: `true` for the
    /// session's temporary namespace (when `has_temp`), `false` for `public`.
    pub fn relation_order(&self, has_temp: bool) -> ([bool; 2], usize) {
        let mut order = [false; 2];
        let mut n = 0;
        let mut push = |temp: bool| {
            if n < 2 {
                order[n] = temp;
                n += 1;
            }
        };
        let temp_listed = self.listed().any(|s| s == PathSchema::Temp);
        if has_temp && !temp_listed {
            push(true);
        }
        for schema in self.listed() {
            match schema {
                PathSchema::Temp if has_temp => push(true),
                PathSchema::Public => push(false),
                _ => {}
            }
        }
        (order, n)
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
pub fn qualified(parts: &[String]) -> Result<(Option<&str>, &str)> {
    match parts {
        [name] => Ok((None, name)),
        [schema, name] => Ok((Some(schema), name)),
        [db, schema, name] if db == crate::sql::syscat::database_name() => Ok((Some(schema), name)),
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

/// The existing schema called `name`, if any.
fn known(name: &str) -> Option<PathSchema> {
    match name {
        "public" => Some(PathSchema::Public),
        "pg_temp" => Some(PathSchema::Temp),
        "pg_catalog" => Some(PathSchema::PgCatalog),
        "information_schema" => Some(PathSchema::InformationSchema),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathSchema::*;

    #[test]
    fn parses_as_postgres_resolves() {
        assert_eq!(
            SearchPath::parse("\"$user\", public"),
            SearchPath::default()
        );
        let p = SearchPath::parse("foo, \"PUBLIC\", Public, pg_temp, PG_CATALOG, public");
        assert_eq!(p.listed().collect::<Vec<_>>(), [Public, Temp, PgCatalog]);
        assert!(SearchPath::parse("foo").listed().next().is_none());
        assert!(!SearchPath::parse("\"Public\"").has_public());
    }

    #[test]
    fn the_temp_namespace_comes_first_unless_listed() {
        let default = SearchPath::default();
        assert_eq!(default.relation_order(true), ([true, false], 2));
        assert_eq!(default.relation_order(false), ([false, false], 1));
        let later = SearchPath::parse("public, pg_temp");
        assert_eq!(later.relation_order(true), ([false, true], 2));
        assert_eq!(
            SearchPath::parse("foo").relation_order(true),
            ([true, false], 1)
        );
        assert_eq!(SearchPath::parse("foo").relation_order(false).1, 0);
        assert!(default.temp_first());
        assert!(SearchPath::parse("pg_temp, public").temp_first());
        assert!(!later.temp_first());
    }

    #[test]
    fn creation_goes_to_the_first_existing_schema() {
        assert_eq!(SearchPath::default().creation(false), Some(Public));
        assert_eq!(
            SearchPath::parse("nope, public").creation(false),
            Some(Public)
        );
        assert_eq!(SearchPath::parse("nope").creation(true), None);
        assert_eq!(
            SearchPath::parse("pg_temp, public").creation(false),
            Some(Temp)
        );
        assert_eq!(
            SearchPath::parse("nope, pg_temp, public").creation(false),
            Some(Temp)
        );
        assert_eq!(
            SearchPath::parse("public, pg_temp").creation(true),
            Some(Public)
        );
        assert_eq!(
            SearchPath::parse("pg_catalog, public").creation(false),
            Some(PgCatalog)
        );
    }
}
