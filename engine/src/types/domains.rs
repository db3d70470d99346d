//! Domains (`CREATE DOMAIN name AS base ...`): a base type with a default, NOT NULL and CHECK
//! constraints. A domain's values are values of its base type: operators, functions and
//! casts see the base type ([`super::DataType::base`] strips the domain), storage and the
//! wire use the base type's formats, and the constraints are enforced by the SQL layer
//! where values become the domain's (stored into a column of it, cast to it).
//!
//! Invariants: the base type is not itself a domain; a domain is immutable once created
//! (it is shared, behind `Arc`, by the catalog and every column of it) and compared and
//! hashed by OID.

use super::DataType;
use std::sync::Arc;

/// A domain's CHECK constraint: its name and the SQL text of its condition over `VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainCheck {
    pub name: String,
    pub expr: String,
}

/// A domain type.
#[derive(Debug)]
pub struct DomainType {
    pub oid: u32,
    /// The OID of its array type `_name`.
    pub array_oid: u32,
    pub name: String,
    pub base: DataType,
    pub not_null: bool,
    /// SQL text of the DEFAULT expression.
    pub default: Option<String>,
    pub checks: Vec<DomainCheck>,
}

/// A shared domain type, compared and hashed by OID (as a [`DataType`]).
#[derive(Clone, Debug)]
pub struct DomainRef(pub Arc<DomainType>);

impl PartialEq for DomainRef {
    fn eq(&self, other: &DomainRef) -> bool {
        self.0.oid == other.0.oid
    }
}

impl Eq for DomainRef {}

impl std::hash::Hash for DomainRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.oid.hash(state);
    }
}

impl std::ops::Deref for DomainRef {
    type Target = DomainType;
    fn deref(&self) -> &DomainType {
        &self.0
    }
}

/// The name of a domain's `n`-th unnamed CHECK constraint (`d_check`, `d_check1`, ...), as
/// PostgreSQL chooses it among the names already used.
pub fn check_name(domain: &str, taken: &[DomainCheck]) -> String {
    let base = format!("{domain}_check");
    let mut name = base.clone();
    let mut n = 0;
    while taken.iter().any(|c| c.name == name) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_checks_are_numbered() {
        let mut taken = Vec::new();
        for want in ["d_check", "d_check1", "d_check2"] {
            let name = check_name("d", &taken);
            assert_eq!(name, want);
            taken.push(DomainCheck {
                name,
                expr: "VALUE > 0".into(),
            });
        }
    }
}
