//! Enum types (`CREATE TYPE name AS ENUM (...)`): the type's labels with their sort
//! positions (`pg_enum`), the values of the type, their text I/O and their order.
//!
//! Invariants: one [`EnumType`] exists per enum type of a catalog, shared (behind `Arc`) by
//! the catalog, every column and expression of the type and every value of it, so that a
//! label added by `ALTER TYPE ... ADD VALUE` is seen everywhere at once (and removed again
//! by a rollback). A label's OID never changes and is what rows store; its sort position
//! (`enumsortorder`) never changes either, so index keys built from it stay ordered. Labels
//! are unique within a type and never removed (renaming keeps the OID and position).

use super::error::TypeError;
use parking_lot::RwLock;
use std::sync::Arc;

/// PostgreSQL's NAMEDATALEN - 1: the longest label, in bytes.
pub const MAX_LABEL_LEN: usize = 63;

/// One label of an enum type (a `pg_enum` row).
#[derive(Clone, Debug, PartialEq)]
pub struct EnumLabel {
    pub oid: u32,
    /// `enumsortorder`.
    pub sort: f32,
    pub label: String,
}

/// An enum type: its OIDs and name (fixed) and its labels (growing).
#[derive(Debug)]
pub struct EnumType {
    pub oid: u32,
    /// The OID of its array type `_name`.
    pub array_oid: u32,
    pub name: String,
    labels: RwLock<Vec<EnumLabel>>,
}

/// A shared enum type, compared and hashed by OID (as a [`super::DataType`]).
#[derive(Clone, Debug)]
pub struct EnumRef(pub Arc<EnumType>);

impl PartialEq for EnumRef {
    fn eq(&self, other: &EnumRef) -> bool {
        self.0.oid == other.0.oid
    }
}

impl Eq for EnumRef {}

impl std::hash::Hash for EnumRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.oid.hash(state);
    }
}

impl std::ops::Deref for EnumRef {
    type Target = EnumType;
    fn deref(&self) -> &EnumType {
        &self.0
    }
}

/// A value of an enum type: the type and the label's OID.
#[derive(Clone, Debug)]
pub struct EnumValue {
    pub ty: EnumRef,
    pub label_oid: u32,
}

impl EnumType {
    pub fn new(oid: u32, array_oid: u32, name: String, labels: Vec<EnumLabel>) -> EnumType {
        EnumType {
            oid,
            array_oid,
            name,
            labels: RwLock::new(labels),
        }
    }

    /// The labels in sort order.
    pub fn labels(&self) -> Vec<EnumLabel> {
        let mut v = self.labels.read().clone();
        v.sort_by(|a, b| a.sort.total_cmp(&b.sort));
        v
    }

    /// Replaces the labels (ALTER TYPE, or the rollback of one).
    pub fn set_labels(&self, labels: Vec<EnumLabel>) {
        *self.labels.write() = labels;
    }

    /// The label with OID `oid`, with its sort position.
    fn by_oid(&self, oid: u32) -> Option<(f32, String)> {
        self.labels
            .read()
            .iter()
            .find(|l| l.oid == oid)
            .map(|l| (l.sort, l.label.clone()))
    }

    /// The OID of label `label`.
    pub fn label_oid(&self, label: &str) -> Option<u32> {
        self.labels
            .read()
            .iter()
            .find(|l| l.label == label)
            .map(|l| l.oid)
    }
}

impl EnumRef {
    /// `enum_in`: the value with label `text` (22P02 if the type has no such label).
    pub fn parse(&self, text: &str) -> Result<EnumValue, TypeError> {
        match self.label_oid(text) {
            Some(label_oid) => Ok(EnumValue {
                ty: self.clone(),
                label_oid,
            }),
            None => Err(TypeError::InvalidEnumInput {
                type_name: self.name.clone(),
                input: text.to_string(),
            }),
        }
    }

    /// The value whose label has OID `oid` (rows store it); `None` if the type has none.
    pub fn from_label_oid(&self, oid: u32) -> Option<EnumValue> {
        self.by_oid(oid).map(|_| EnumValue {
            ty: self.clone(),
            label_oid: oid,
        })
    }

    /// Every value of the type, in order (`enum_range`).
    pub fn values(&self) -> Vec<EnumValue> {
        self.labels()
            .into_iter()
            .map(|l| EnumValue {
                ty: self.clone(),
                label_oid: l.oid,
            })
            .collect()
    }
}

impl EnumValue {
    /// `enum_out`: the label.
    pub fn label(&self) -> String {
        self.ty
            .by_oid(self.label_oid)
            .map(|l| l.1)
            .unwrap_or_default()
    }

    /// The label's sort position.
    pub fn sort(&self) -> f32 {
        self.ty.by_oid(self.label_oid).map_or(f32::NAN, |l| l.0)
    }

    /// Order by declaration (`enum_cmp`); values of different enum types do not compare.
    pub fn compare(&self, other: &EnumValue) -> Result<std::cmp::Ordering, TypeError> {
        if self.ty != other.ty {
            return Err(TypeError::UndefinedOperator {
                op: "=",
                left: self.ty.name.clone(),
                right: other.ty.name.clone(),
            });
        }
        Ok(self.sort().total_cmp(&other.sort()))
    }
}

/// A type name as `format_type` prints it: quoted unless a plain lower-case identifier.
pub fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// The sort position of a label added to `labels` (sorted) by `ALTER TYPE ... ADD VALUE`:
/// after the last one, or between the neighbour named and the one beside it (halfway, as
/// PostgreSQL does). `None` if `f32` has no room left between the two.
pub fn new_sort_position(labels: &[EnumLabel], neighbour: Option<(usize, bool)>) -> Option<f32> {
    let Some((i, before)) = neighbour else {
        return Some(labels.last().map_or(1.0, |l| l.sort + 1.0));
    };
    let (lo, hi) = if before {
        (i.checked_sub(1).map(|j| labels[j].sort), labels[i].sort)
    } else {
        (
            Some(labels[i].sort),
            labels.get(i + 1).map_or(labels[i].sort + 2.0, |l| l.sort),
        )
    };
    let lo = lo.unwrap_or(hi - 2.0);
    let mid = (lo + hi) / 2.0;
    (mid > lo && mid < hi).then_some(mid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood() -> EnumRef {
        let labels = ["sad", "ok", "happy"]
            .iter()
            .enumerate()
            .map(|(i, l)| EnumLabel {
                oid: 100 + i as u32,
                sort: (i + 1) as f32,
                label: l.to_string(),
            })
            .collect();
        EnumRef(Arc::new(EnumType::new(50, 51, "mood".into(), labels)))
    }

    #[test]
    fn input_checks_labels_and_order_is_declaration_order() {
        let m = mood();
        let sad = m.parse("sad").unwrap();
        let happy = m.parse("happy").unwrap();
        assert_eq!(happy.label(), "happy");
        assert_eq!(sad.compare(&happy).unwrap(), std::cmp::Ordering::Less);
        let e = m.parse("Sad").unwrap_err();
        assert_eq!(e.to_string(), "invalid input value for enum mood: \"Sad\"");
        assert_eq!(e.sqlstate(), "22P02");
    }

    #[test]
    fn added_labels_sort_between_their_neighbours() {
        let m = mood();
        let labels = m.labels();
        let before_ok = new_sort_position(&labels, Some((1, true))).unwrap();
        assert!(before_ok > 1.0 && before_ok < 2.0);
        let after_happy = new_sort_position(&labels, Some((2, false))).unwrap();
        assert!(after_happy > 3.0);
        let first = new_sort_position(&labels, Some((0, true))).unwrap();
        assert!(first < 1.0);
        assert_eq!(new_sort_position(&labels, None), Some(4.0));
        let mut l = labels.clone();
        l.push(EnumLabel {
            oid: 200,
            sort: before_ok,
            label: "meh".into(),
        });
        m.set_labels(l);
        let meh = m.parse("meh").unwrap();
        assert_eq!(
            m.values().iter().map(EnumValue::label).collect::<Vec<_>>(),
            ["sad", "meh", "ok", "happy"]
        );
        assert_eq!(
            meh.compare(&m.parse("ok").unwrap()).unwrap(),
            std::cmp::Ordering::Less
        );
    }
}
