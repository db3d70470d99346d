//! Column lists of the system relations, in PostgreSQL 15's order. A name ending in `[]`
//! declares an array column of the given element type (arrays cannot be constants; see
//! [`column`]); `int2vector` / `oidvector` columns are `int2[]` / `oid[]` (filled with lower
//! bound 0, so subscripts start at 0 as the vector types' do; their text form is the array's,
//! not the vectors' space-separated one), `aclitem[]` columns `text[]`. Columns of other types Quill does not have (`xid`, ...) are left out;
//! `pg_node_tree` columns hold the expression's SQL text as `text`; information_schema's
//! domains are their base types (`sql_identifier` = name, `cardinal_number` = integer,
//! `character_data` = varchar, `yes_or_no` = varchar(3)).

use crate::types::{DataType as T, RegKind};

/// A column: name and type.
pub type Col = (&'static str, T);

/// A declared column's name and type (an array type for a name declared with `[]`).
pub fn column(c: &Col) -> (&'static str, T) {
    match c.0.strip_suffix("[]") {
        Some(n) => (n, T::Array(Box::new(c.1.clone()))),
        None => (c.0, c.1.clone()),
    }
}

pub const IS_COLUMNS: &[Col] = &[
    ("table_catalog", T::Name),
    ("table_schema", T::Name),
    ("table_name", T::Name),
    ("column_name", T::Name),
    ("ordinal_position", T::Int4),
    ("column_default", T::Varchar(None)),
    ("is_nullable", T::Varchar(Some(3))),
    ("data_type", T::Varchar(None)),
    ("character_maximum_length", T::Int4),
    ("character_octet_length", T::Int4),
    ("numeric_precision", T::Int4),
    ("numeric_precision_radix", T::Int4),
    ("numeric_scale", T::Int4),
    ("datetime_precision", T::Int4),
    ("interval_type", T::Varchar(None)),
    ("interval_precision", T::Int4),
    ("character_set_catalog", T::Name),
    ("character_set_schema", T::Name),
    ("character_set_name", T::Name),
    ("collation_catalog", T::Name),
    ("collation_schema", T::Name),
    ("collation_name", T::Name),
    ("domain_catalog", T::Name),
    ("domain_schema", T::Name),
    ("domain_name", T::Name),
    ("udt_catalog", T::Name),
    ("udt_schema", T::Name),
    ("udt_name", T::Name),
    ("scope_catalog", T::Name),
    ("scope_schema", T::Name),
    ("scope_name", T::Name),
    ("maximum_cardinality", T::Int4),
    ("dtd_identifier", T::Name),
    ("is_self_referencing", T::Varchar(Some(3))),
    ("is_identity", T::Varchar(Some(3))),
    ("identity_generation", T::Varchar(None)),
    ("identity_start", T::Varchar(None)),
    ("identity_increment", T::Varchar(None)),
    ("identity_maximum", T::Varchar(None)),
    ("identity_minimum", T::Varchar(None)),
    ("identity_cycle", T::Varchar(Some(3))),
    ("is_generated", T::Varchar(None)),
    ("generation_expression", T::Varchar(None)),
    ("is_updatable", T::Varchar(Some(3))),
];

pub const IS_KEY_COLUMN_USAGE: &[Col] = &[
    ("constraint_catalog", T::Name),
    ("constraint_schema", T::Name),
    ("constraint_name", T::Name),
    ("table_catalog", T::Name),
    ("table_schema", T::Name),
    ("table_name", T::Name),
    ("column_name", T::Name),
    ("ordinal_position", T::Int4),
    ("position_in_unique_constraint", T::Int4),
];

pub const PG_AM: &[Col] = &[
    ("oid", T::Oid),
    ("amname", T::Name),
    ("amhandler", T::Reg(RegKind::Proc)),
    ("amtype", T::CharByte),
];

pub const PG_ATTRDEF: &[Col] = &[
    ("oid", T::Oid),
    ("adrelid", T::Oid),
    ("adnum", T::Int2),
    ("adbin", T::Text),
];

pub const PG_ATTRIBUTE: &[Col] = &[
    ("attrelid", T::Oid),
    ("attname", T::Name),
    ("atttypid", T::Oid),
    ("attstattarget", T::Int4),
    ("attlen", T::Int2),
    ("attnum", T::Int2),
    ("attndims", T::Int4),
    ("attcacheoff", T::Int4),
    ("atttypmod", T::Int4),
    ("attbyval", T::Bool),
    ("attalign", T::CharByte),
    ("attstorage", T::CharByte),
    ("attcompression", T::CharByte),
    ("attnotnull", T::Bool),
    ("atthasdef", T::Bool),
    ("atthasmissing", T::Bool),
    ("attidentity", T::CharByte),
    ("attgenerated", T::CharByte),
    ("attisdropped", T::Bool),
    ("attislocal", T::Bool),
    ("attinhcount", T::Int4),
    ("attcollation", T::Oid),
];

pub const PG_AUTH_MEMBERS: &[Col] = &[
    ("roleid", T::Oid),
    ("member", T::Oid),
    ("grantor", T::Oid),
    ("admin_option", T::Bool),
];

pub const PG_AUTHID: &[Col] = &[
    ("oid", T::Oid),
    ("rolname", T::Name),
    ("rolsuper", T::Bool),
    ("rolinherit", T::Bool),
    ("rolcreaterole", T::Bool),
    ("rolcreatedb", T::Bool),
    ("rolcanlogin", T::Bool),
    ("rolreplication", T::Bool),
    ("rolbypassrls", T::Bool),
    ("rolconnlimit", T::Int4),
    ("rolpassword", T::Text),
    ("rolvaliduntil", T::Timestamptz),
];

pub const PG_CLASS: &[Col] = &[
    ("oid", T::Oid),
    ("relname", T::Name),
    ("relnamespace", T::Oid),
    ("reltype", T::Oid),
    ("reloftype", T::Oid),
    ("relowner", T::Oid),
    ("relam", T::Oid),
    ("relfilenode", T::Oid),
    ("reltablespace", T::Oid),
    ("relpages", T::Int4),
    ("reltuples", T::Float4),
    ("relallvisible", T::Int4),
    ("reltoastrelid", T::Oid),
    ("relhasindex", T::Bool),
    ("relisshared", T::Bool),
    ("relpersistence", T::CharByte),
    ("relkind", T::CharByte),
    ("relnatts", T::Int2),
    ("relchecks", T::Int2),
    ("relhasrules", T::Bool),
    ("relhastriggers", T::Bool),
    ("relhassubclass", T::Bool),
    ("relrowsecurity", T::Bool),
    ("relforcerowsecurity", T::Bool),
    ("relispopulated", T::Bool),
    ("relreplident", T::CharByte),
    ("relispartition", T::Bool),
    ("relrewrite", T::Oid),
    ("relacl[]", T::Text),
    ("reloptions[]", T::Text),
    ("relpartbound", T::Text),
];

pub const PG_COLLATION: &[Col] = &[
    ("oid", T::Oid),
    ("collname", T::Name),
    ("collnamespace", T::Oid),
    ("collowner", T::Oid),
    ("collprovider", T::CharByte),
    ("collisdeterministic", T::Bool),
    ("collencoding", T::Int4),
    ("collcollate", T::Text),
    ("collctype", T::Text),
    ("colliculocale", T::Text),
    ("collversion", T::Text),
];

pub const PG_CONSTRAINT: &[Col] = &[
    ("oid", T::Oid),
    ("conname", T::Name),
    ("connamespace", T::Oid),
    ("contype", T::CharByte),
    ("condeferrable", T::Bool),
    ("condeferred", T::Bool),
    ("convalidated", T::Bool),
    ("conrelid", T::Oid),
    ("contypid", T::Oid),
    ("conindid", T::Oid),
    ("conparentid", T::Oid),
    ("confrelid", T::Oid),
    ("confupdtype", T::CharByte),
    ("confdeltype", T::CharByte),
    ("confmatchtype", T::CharByte),
    ("conislocal", T::Bool),
    ("coninhcount", T::Int4),
    ("connoinherit", T::Bool),
    ("conkey[]", T::Int2),
    ("confkey[]", T::Int2),
    ("conbin", T::Text),
];

pub const PG_DATABASE: &[Col] = &[
    ("oid", T::Oid),
    ("datname", T::Name),
    ("datdba", T::Oid),
    ("encoding", T::Int4),
    ("datlocprovider", T::CharByte),
    ("datistemplate", T::Bool),
    ("datallowconn", T::Bool),
    ("datconnlimit", T::Int4),
    ("dattablespace", T::Oid),
    ("datcollate", T::Text),
    ("datctype", T::Text),
    ("daticulocale", T::Text),
    ("datcollversion", T::Text),
    ("datacl[]", T::Text),
];

pub const PG_DEPEND: &[Col] = &[
    ("classid", T::Oid),
    ("objid", T::Oid),
    ("objsubid", T::Int4),
    ("refclassid", T::Oid),
    ("refobjid", T::Oid),
    ("refobjsubid", T::Int4),
    ("deptype", T::CharByte),
];

pub const PG_DESCRIPTION: &[Col] = &[
    ("objoid", T::Oid),
    ("classoid", T::Oid),
    ("objsubid", T::Int4),
    ("description", T::Text),
];

pub const PG_ENUM: &[Col] = &[
    ("oid", T::Oid),
    ("enumtypid", T::Oid),
    ("enumsortorder", T::Float4),
    ("enumlabel", T::Name),
];

pub const PG_EVENT_TRIGGER: &[Col] = &[
    ("oid", T::Oid),
    ("evtname", T::Name),
    ("evtevent", T::Name),
    ("evtowner", T::Oid),
    ("evtfoid", T::Oid),
    ("evtenabled", T::CharByte),
];

pub const PG_EXTENSION: &[Col] = &[
    ("oid", T::Oid),
    ("extname", T::Name),
    ("extowner", T::Oid),
    ("extnamespace", T::Oid),
    ("extrelocatable", T::Bool),
    ("extversion", T::Text),
];

pub const PG_INDEX: &[Col] = &[
    ("indexrelid", T::Oid),
    ("indrelid", T::Oid),
    ("indnatts", T::Int2),
    ("indnkeyatts", T::Int2),
    ("indisunique", T::Bool),
    ("indnullsnotdistinct", T::Bool),
    ("indisprimary", T::Bool),
    ("indisexclusion", T::Bool),
    ("indimmediate", T::Bool),
    ("indisclustered", T::Bool),
    ("indisvalid", T::Bool),
    ("indcheckxmin", T::Bool),
    ("indisready", T::Bool),
    ("indislive", T::Bool),
    ("indisreplident", T::Bool),
    ("indkey[]", T::Int2),
    ("indcollation[]", T::Oid),
    ("indclass[]", T::Oid),
    ("indoption[]", T::Int2),
    ("indexprs", T::Text),
    ("indpred", T::Text),
];

pub const PG_INDEXES: &[Col] = &[
    ("schemaname", T::Name),
    ("tablename", T::Name),
    ("indexname", T::Name),
    ("tablespace", T::Name),
    ("indexdef", T::Text),
];

pub const PG_INHERITS: &[Col] = &[
    ("inhrelid", T::Oid),
    ("inhparent", T::Oid),
    ("inhseqno", T::Int4),
    ("inhdetachpending", T::Bool),
];

pub const PG_NAMESPACE: &[Col] = &[
    ("oid", T::Oid),
    ("nspname", T::Name),
    ("nspowner", T::Oid),
    ("nspacl[]", T::Text),
];

pub const PG_OPCLASS: &[Col] = &[
    ("oid", T::Oid),
    ("opcmethod", T::Oid),
    ("opcname", T::Name),
    ("opcnamespace", T::Oid),
    ("opcowner", T::Oid),
    ("opcfamily", T::Oid),
    ("opcintype", T::Oid),
    ("opcdefault", T::Bool),
    ("opckeytype", T::Oid),
];

pub const PG_PARTITIONED_TABLE: &[Col] = &[
    ("partrelid", T::Oid),
    ("partstrat", T::CharByte),
    ("partnatts", T::Int2),
    ("partdefid", T::Oid),
    ("partexprs", T::Text),
];

pub const PG_POLICY: &[Col] = &[
    ("oid", T::Oid),
    ("polname", T::Name),
    ("polrelid", T::Oid),
    ("polcmd", T::CharByte),
    ("polpermissive", T::Bool),
    ("polroles[]", T::Oid),
    ("polqual", T::Text),
    ("polwithcheck", T::Text),
];

pub const PG_POLICIES: &[Col] = &[
    ("schemaname", T::Name),
    ("tablename", T::Name),
    ("policyname", T::Name),
    ("permissive", T::Text),
    ("roles[]", T::Name),
    ("cmd", T::Text),
    ("qual", T::Text),
    ("with_check", T::Text),
];

pub const PG_PROC: &[Col] = &[
    ("oid", T::Oid),
    ("proname", T::Name),
    ("pronamespace", T::Oid),
    ("proowner", T::Oid),
    ("prolang", T::Oid),
    ("procost", T::Float4),
    ("prorows", T::Float4),
    ("provariadic", T::Oid),
    ("prosupport", T::Reg(RegKind::Proc)),
    ("prokind", T::CharByte),
    ("prosecdef", T::Bool),
    ("proleakproof", T::Bool),
    ("proisstrict", T::Bool),
    ("proretset", T::Bool),
    ("provolatile", T::CharByte),
    ("proparallel", T::CharByte),
    ("pronargs", T::Int2),
    ("pronargdefaults", T::Int2),
    ("prorettype", T::Oid),
    ("proargdefaults", T::Text),
    ("prosrc", T::Text),
    ("probin", T::Text),
    ("prosqlbody", T::Text),
];

pub const PG_PUBLICATION: &[Col] = &[
    ("oid", T::Oid),
    ("pubname", T::Name),
    ("pubowner", T::Oid),
    ("puballtables", T::Bool),
    ("pubinsert", T::Bool),
    ("pubupdate", T::Bool),
    ("pubdelete", T::Bool),
    ("pubtruncate", T::Bool),
    ("pubviaroot", T::Bool),
];

pub const PG_PUBLICATION_NAMESPACE: &[Col] =
    &[("oid", T::Oid), ("pnpubid", T::Oid), ("pnnspid", T::Oid)];

pub const PG_PUBLICATION_REL: &[Col] = &[
    ("oid", T::Oid),
    ("prpubid", T::Oid),
    ("prrelid", T::Oid),
    ("prqual", T::Text),
    ("prattrs[]", T::Int2),
];

pub const PG_RANGE: &[Col] = &[
    ("rngtypid", T::Oid),
    ("rngsubtype", T::Oid),
    ("rngmultitypid", T::Oid),
    ("rngcollation", T::Oid),
    ("rngsubopc", T::Oid),
    ("rngcanonical", T::Reg(RegKind::Proc)),
    ("rngsubdiff", T::Reg(RegKind::Proc)),
];

pub const PG_REWRITE: &[Col] = &[
    ("oid", T::Oid),
    ("rulename", T::Name),
    ("ev_class", T::Oid),
    ("ev_type", T::CharByte),
    ("ev_enabled", T::CharByte),
    ("is_instead", T::Bool),
    ("ev_qual", T::Text),
    ("ev_action", T::Text),
];

pub const PG_ROLES: &[Col] = &[
    ("rolname", T::Name),
    ("rolsuper", T::Bool),
    ("rolinherit", T::Bool),
    ("rolcreaterole", T::Bool),
    ("rolcreatedb", T::Bool),
    ("rolcanlogin", T::Bool),
    ("rolreplication", T::Bool),
    ("rolconnlimit", T::Int4),
    ("rolpassword", T::Text),
    ("rolvaliduntil", T::Timestamptz),
    ("rolbypassrls", T::Bool),
    ("rolconfig[]", T::Text),
    ("oid", T::Oid),
];

pub const PG_SEQUENCE: &[Col] = &[
    ("seqrelid", T::Oid),
    ("seqtypid", T::Oid),
    ("seqstart", T::Int8),
    ("seqincrement", T::Int8),
    ("seqmax", T::Int8),
    ("seqmin", T::Int8),
    ("seqcache", T::Int8),
    ("seqcycle", T::Bool),
];

pub const PG_SEQUENCES: &[Col] = &[
    ("schemaname", T::Name),
    ("sequencename", T::Name),
    ("sequenceowner", T::Name),
    ("data_type", T::Reg(RegKind::Type)),
    ("start_value", T::Int8),
    ("min_value", T::Int8),
    ("max_value", T::Int8),
    ("increment_by", T::Int8),
    ("cycle", T::Bool),
    ("cache_size", T::Int8),
    ("last_value", T::Int8),
];

/// `client_addr` (inet), `backend_xid` and `backend_xmin` (xid) are left out.
pub const PG_STAT_ACTIVITY: &[Col] = &[
    ("datid", T::Oid),
    ("datname", T::Name),
    ("pid", T::Int4),
    ("leader_pid", T::Int4),
    ("usesysid", T::Oid),
    ("usename", T::Name),
    ("application_name", T::Text),
    ("client_hostname", T::Text),
    ("client_port", T::Int4),
    ("backend_start", T::Timestamptz),
    ("xact_start", T::Timestamptz),
    ("query_start", T::Timestamptz),
    ("state_change", T::Timestamptz),
    ("wait_event_type", T::Text),
    ("wait_event", T::Text),
    ("state", T::Text),
    ("query_id", T::Int8),
    ("query", T::Text),
    ("backend_type", T::Text),
];

pub const PG_PREPARED_STATEMENTS: &[Col] = &[
    ("name", T::Text),
    ("statement", T::Text),
    ("prepare_time", T::Timestamptz),
    ("parameter_types[]", T::Reg(RegKind::Type)),
    ("from_sql", T::Bool),
    ("generic_plans", T::Int8),
    ("custom_plans", T::Int8),
];

pub const PG_SETTINGS: &[Col] = &[
    ("name", T::Text),
    ("setting", T::Text),
    ("unit", T::Text),
    ("category", T::Text),
    ("short_desc", T::Text),
    ("extra_desc", T::Text),
    ("context", T::Text),
    ("vartype", T::Text),
    ("source", T::Text),
    ("min_val", T::Text),
    ("max_val", T::Text),
    ("boot_val", T::Text),
    ("reset_val", T::Text),
    ("sourcefile", T::Text),
    ("sourceline", T::Int4),
    ("pending_restart", T::Bool),
];

pub const PG_SHDESCRIPTION: &[Col] = &[
    ("objoid", T::Oid),
    ("classoid", T::Oid),
    ("description", T::Text),
];

pub const PG_STATISTIC_EXT: &[Col] = &[
    ("oid", T::Oid),
    ("stxrelid", T::Oid),
    ("stxname", T::Name),
    ("stxnamespace", T::Oid),
    ("stxowner", T::Oid),
    ("stxstattarget", T::Int4),
    ("stxkeys[]", T::Int2),
    ("stxkind[]", T::CharByte),
    ("stxexprs", T::Text),
];

pub const PG_TABLES: &[Col] = &[
    ("schemaname", T::Name),
    ("tablename", T::Name),
    ("tableowner", T::Name),
    ("tablespace", T::Name),
    ("hasindexes", T::Bool),
    ("hasrules", T::Bool),
    ("hastriggers", T::Bool),
    ("rowsecurity", T::Bool),
];

pub const PG_TABLESPACE: &[Col] = &[("oid", T::Oid), ("spcname", T::Name), ("spcowner", T::Oid)];

pub const PG_TRIGGER: &[Col] = &[
    ("oid", T::Oid),
    ("tgrelid", T::Oid),
    ("tgparentid", T::Oid),
    ("tgname", T::Name),
    ("tgfoid", T::Oid),
    ("tgtype", T::Int2),
    ("tgenabled", T::CharByte),
    ("tgisinternal", T::Bool),
    ("tgconstrrelid", T::Oid),
    ("tgconstrindid", T::Oid),
    ("tgconstraint", T::Oid),
    ("tgdeferrable", T::Bool),
    ("tginitdeferred", T::Bool),
    ("tgnargs", T::Int2),
    ("tgargs", T::Bytea),
    ("tgqual", T::Text),
    ("tgoldtable", T::Name),
    ("tgnewtable", T::Name),
];

pub const PG_TYPE: &[Col] = &[
    ("oid", T::Oid),
    ("typname", T::Name),
    ("typnamespace", T::Oid),
    ("typowner", T::Oid),
    ("typlen", T::Int2),
    ("typbyval", T::Bool),
    ("typtype", T::CharByte),
    ("typcategory", T::CharByte),
    ("typispreferred", T::Bool),
    ("typisdefined", T::Bool),
    ("typdelim", T::CharByte),
    ("typrelid", T::Oid),
    ("typsubscript", T::Reg(RegKind::Proc)),
    ("typelem", T::Oid),
    ("typarray", T::Oid),
    ("typinput", T::Reg(RegKind::Proc)),
    ("typoutput", T::Reg(RegKind::Proc)),
    ("typreceive", T::Reg(RegKind::Proc)),
    ("typsend", T::Reg(RegKind::Proc)),
    ("typmodin", T::Reg(RegKind::Proc)),
    ("typmodout", T::Reg(RegKind::Proc)),
    ("typanalyze", T::Reg(RegKind::Proc)),
    ("typalign", T::CharByte),
    ("typstorage", T::CharByte),
    ("typnotnull", T::Bool),
    ("typbasetype", T::Oid),
    ("typtypmod", T::Int4),
    ("typndims", T::Int4),
    ("typcollation", T::Oid),
    ("typdefaultbin", T::Text),
    ("typdefault", T::Text),
];

pub const PG_USER: &[Col] = &[
    ("usename", T::Name),
    ("usesysid", T::Oid),
    ("usecreatedb", T::Bool),
    ("usesuper", T::Bool),
    ("userepl", T::Bool),
    ("usebypassrls", T::Bool),
    ("passwd", T::Text),
    ("valuntil", T::Timestamptz),
];

pub const PG_VIEWS: &[Col] = &[
    ("schemaname", T::Name),
    ("viewname", T::Name),
    ("viewowner", T::Name),
    ("definition", T::Text),
];

pub const IS_SCHEMATA: &[Col] = &[
    ("catalog_name", T::Name),
    ("schema_name", T::Name),
    ("schema_owner", T::Name),
    ("default_character_set_catalog", T::Name),
    ("default_character_set_schema", T::Name),
    ("default_character_set_name", T::Name),
    ("sql_path", T::Varchar(None)),
];

pub const IS_TABLE_CONSTRAINTS: &[Col] = &[
    ("constraint_catalog", T::Name),
    ("constraint_schema", T::Name),
    ("constraint_name", T::Name),
    ("table_catalog", T::Name),
    ("table_schema", T::Name),
    ("table_name", T::Name),
    ("constraint_type", T::Varchar(None)),
    ("is_deferrable", T::Varchar(Some(3))),
    ("initially_deferred", T::Varchar(Some(3))),
    ("enforced", T::Varchar(Some(3))),
    ("nulls_distinct", T::Varchar(Some(3))),
];

pub const IS_TABLES: &[Col] = &[
    ("table_catalog", T::Name),
    ("table_schema", T::Name),
    ("table_name", T::Name),
    ("table_type", T::Varchar(None)),
    ("self_referencing_column_name", T::Name),
    ("reference_generation", T::Varchar(None)),
    ("user_defined_type_catalog", T::Name),
    ("user_defined_type_schema", T::Name),
    ("user_defined_type_name", T::Name),
    ("is_insertable_into", T::Varchar(Some(3))),
    ("is_typed", T::Varchar(Some(3))),
    ("commit_action", T::Varchar(None)),
];

pub const IS_VIEWS: &[Col] = &[
    ("table_catalog", T::Name),
    ("table_schema", T::Name),
    ("table_name", T::Name),
    ("view_definition", T::Varchar(None)),
    ("check_option", T::Varchar(None)),
    ("is_updatable", T::Varchar(Some(3))),
    ("is_insertable_into", T::Varchar(Some(3))),
    ("is_trigger_updatable", T::Varchar(Some(3))),
    ("is_trigger_deletable", T::Varchar(Some(3))),
    ("is_trigger_insertable_into", T::Varchar(Some(3))),
];
