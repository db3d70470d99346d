//! The type system's error type: one variant per PostgreSQL error the types can raise, each
//! worded as PostgreSQL words it and mapped to its SQLSTATE by [`TypeError::sqlstate`].

/// An error raised by type resolution, input/output, casts or operators.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// 22P02: text that is not a valid literal of a non-datetime type.
    #[error("invalid input syntax for type {type_name}: \"{input}\"")]
    InvalidTextRepresentation {
        type_name: &'static str,
        input: String,
    },
    /// 22003: an integer literal outside the type's range.
    #[error("value \"{input}\" is out of range for type {type_name}")]
    InputOutOfRange {
        type_name: &'static str,
        input: String,
    },
    /// 22003: a float literal that overflows or underflows the type.
    #[error("\"{input}\" is out of range for type {type_name}")]
    FloatInputOutOfRange {
        type_name: &'static str,
        input: String,
    },
    /// 22003: an integer result outside the type's range ("integer out of range").
    #[error("{type_name} out of range")]
    IntegerOutOfRange { type_name: &'static str },
    /// 22003: a float result that overflowed.
    #[error("value out of range: overflow")]
    FloatOverflow,
    /// 22003: a float result that underflowed to zero.
    #[error("value out of range: underflow")]
    FloatUnderflow,
    /// 22003: a numeric value that does not fit its precision and scale.
    #[error("numeric field overflow")]
    NumericFieldOverflow { detail: String },
    /// 22003: a numeric value beyond the numeric format's limits.
    #[error("value overflows numeric format")]
    NumericOverflow,
    /// 22012.
    #[error("division by zero")]
    DivisionByZero,
    /// 0A000: NaN or infinity converted to an integer type ("cannot convert NaN to integer").
    #[error("cannot convert {what} to {type_name}")]
    CannotConvertSpecial {
        what: &'static str,
        type_name: &'static str,
    },
    /// 2201F.
    #[error("zero raised to a negative power is undefined")]
    ZeroToNegativePower,
    /// 2201F.
    #[error("a negative number raised to a non-integer power yields a complex result")]
    NegativeToNonIntegerPower,
    /// 22007: text that is not a valid date/time literal.
    #[error("invalid input syntax for type {type_name}: \"{input}\"")]
    InvalidDatetimeFormat {
        type_name: &'static str,
        input: String,
    },
    /// 22008: a date/time field outside its range ("2024-02-30").
    #[error("date/time field value out of range: \"{input}\"")]
    DatetimeFieldOverflow { input: String },
    /// 22008: a date/time literal outside the type's range ("date out of range: \"...\"").
    #[error("{type_name} out of range: \"{input}\"")]
    DatetimeInputOutOfRange {
        type_name: &'static str,
        input: String,
    },
    /// 22008: a date/time result outside the type's range ("timestamp out of range").
    #[error("{type_name} out of range")]
    DatetimeOutOfRange { type_name: &'static str },
    /// 22008: a date beyond the timestamp range converted to a timestamp.
    #[error("date out of range for timestamp")]
    DateOutOfRangeForTimestamp,
    /// 22P02: malformed escape-format bytea input.
    #[error("invalid input syntax for type bytea")]
    InvalidByteaSyntax,
    /// 22008: infinite timestamps subtracted.
    #[error("cannot subtract infinite {what}")]
    InfiniteSubtraction { what: &'static str },
    /// 22009: a numeric time zone offset beyond ±15 hours.
    #[error("time zone displacement out of range: \"{input}\"")]
    TimeZoneDisplacement { input: String },
    /// 22023: a time zone name that is not known.
    #[error("time zone \"{zone}\" not recognized")]
    UnknownTimeZone { zone: String },
    /// 22015: an interval literal field that overflows.
    #[error("interval field value out of range: \"{input}\"")]
    IntervalFieldOverflow { input: String },
    /// 22001: a string longer than its declared length.
    #[error("value too long for type {type_name}")]
    StringTooLong { type_name: String },
    /// 22023: e.g. bad hex digits in bytea input, bad float precision.
    #[error("{message}")]
    InvalidParameterValue { message: String },
    /// 22025.
    #[error("LIKE pattern must not end with escape character")]
    LikeEscapeAtEnd,
    /// 2201B: a regular expression that does not compile.
    #[error("invalid regular expression: {message}")]
    InvalidRegex { message: String },
    /// 22025: a LIKE / SIMILAR TO escape that is not a single character.
    #[error("invalid escape string")]
    InvalidEscapeString,
    /// 22023: an unknown regular-expression flag.
    #[error("invalid regular expression option: \"{flag}\"")]
    InvalidRegexOption { flag: char },
    /// 54001: pattern matching nested too deeply.
    #[error("stack depth limit exceeded")]
    StackDepthExceeded,
    /// 22021: bytes that are not valid UTF-8 where text was expected.
    #[error("invalid byte sequence for encoding \"UTF8\"")]
    InvalidUtf8,
    /// 42846: no cast exists between the types.
    #[error("cannot cast type {from} to {to}")]
    CannotCast { from: String, to: String },
    /// 42846: a value of a UNION/CASE/... branch cannot be converted to the common type.
    #[error("{context} could not convert type {from} to {to}")]
    CannotConvertToCommon {
        context: &'static str,
        from: String,
        to: String,
    },
    /// 42883.
    #[error("operator does not exist: {left} {op} {right}")]
    UndefinedOperator {
        op: &'static str,
        left: String,
        right: String,
    },
    /// 42883: a prefix operator on an unsupported type ("operator does not exist: - boolean").
    #[error("operator does not exist: {op} {operand}")]
    UndefinedPrefixOperator { op: &'static str, operand: String },
    /// 42725: a prefix operator on an unknown literal.
    #[error("operator is not unique: {op} {operand}")]
    AmbiguousPrefixOperator { op: &'static str, operand: String },
    /// 42725.
    #[error("operator is not unique: {left} {op} {right}")]
    AmbiguousOperator {
        op: &'static str,
        left: String,
        right: String,
    },
    /// 42804: no common type ("UNION types integer and boolean cannot be matched").
    #[error("{context} types {first} and {second} cannot be matched")]
    TypesCannotBeMatched {
        context: &'static str,
        first: String,
        second: String,
    },
    /// 42804: an operand of the wrong type reached an operator or comparison.
    #[error("{message}")]
    DatatypeMismatch { message: String },
    /// 42704.
    #[error("type \"{name}\" does not exist")]
    UndefinedType { name: String },
    /// 0A000.
    #[error("{feature} is not supported")]
    FeatureNotSupported { feature: String },
    /// 22P02: text that is not a label of the enum type.
    #[error("invalid input value for enum {type_name}: \"{input}\"")]
    InvalidEnumInput { type_name: String, input: String },
    /// 22P02: text that is not an array literal.
    #[error("malformed array literal: \"{input}\"")]
    MalformedArray { input: String, detail: String },
    /// 22P02 (22P05 for `\u0000` in jsonb): text that is not JSON; `detail` says where.
    #[error("{message}")]
    InvalidJson {
        code: &'static str,
        message: &'static str,
        detail: String,
    },
    /// A JSON operation's error with PostgreSQL's SQLSTATE and message (22023 for a jsonb
    /// value of the wrong kind in a cast, 22P02 for a bad path, ...).
    #[error("{message}")]
    Json { code: &'static str, message: String },
    /// 54000.
    #[error("number of array dimensions exceeds the maximum allowed (6)")]
    ArrayTooManyDims,
    /// 2202E: arrays of different shapes where one shape is required.
    #[error("{message}")]
    ArraySubscript { message: String },
    /// XX001: stored row bytes that do not decode.
    #[error("corrupt row data: {reason}")]
    CorruptRow { reason: &'static str },
}

impl TypeError {
    /// The SQLSTATE PostgreSQL reports for this error.
    pub fn sqlstate(&self) -> &'static str {
        use TypeError as E;
        match self {
            E::InvalidTextRepresentation { .. } => "22P02",
            E::InputOutOfRange { .. }
            | E::FloatInputOutOfRange { .. }
            | E::IntegerOutOfRange { .. }
            | E::FloatOverflow
            | E::FloatUnderflow
            | E::NumericFieldOverflow { .. }
            | E::NumericOverflow => "22003",
            E::DivisionByZero => "22012",
            E::CannotConvertSpecial { .. } | E::FeatureNotSupported { .. } => "0A000",
            E::ZeroToNegativePower | E::NegativeToNonIntegerPower => "2201F",
            E::InvalidDatetimeFormat { .. } => "22007",
            E::DatetimeFieldOverflow { .. }
            | E::DatetimeInputOutOfRange { .. }
            | E::DatetimeOutOfRange { .. }
            | E::InfiniteSubtraction { .. }
            | E::DateOutOfRangeForTimestamp => "22008",
            E::InvalidByteaSyntax => "22P02",
            E::IntervalFieldOverflow { .. } => "22015",
            E::TimeZoneDisplacement { .. } => "22009",
            E::UnknownTimeZone { .. } => "22023",
            E::StringTooLong { .. } => "22001",
            E::InvalidParameterValue { .. } => "22023",
            E::LikeEscapeAtEnd => "22025",
            E::InvalidRegex { .. } => "2201B",
            E::InvalidEscapeString => "22025",
            E::InvalidRegexOption { .. } => "22023",
            E::InvalidUtf8 => "22021",
            E::StackDepthExceeded => "54001",
            E::CannotCast { .. } | E::CannotConvertToCommon { .. } => "42846",
            E::UndefinedOperator { .. } | E::UndefinedPrefixOperator { .. } => "42883",
            E::AmbiguousOperator { .. } | E::AmbiguousPrefixOperator { .. } => "42725",
            E::TypesCannotBeMatched { .. } | E::DatatypeMismatch { .. } => "42804",
            E::UndefinedType { .. } => "42704",
            E::CorruptRow { .. } => "XX001",
            E::MalformedArray { .. } | E::InvalidEnumInput { .. } => "22P02",
            E::InvalidJson { code, .. } | E::Json { code, .. } => code,
            E::ArrayTooManyDims => "54000",
            E::ArraySubscript { .. } => "2202E",
        }
    }

    /// PostgreSQL's DETAIL line for this error, if it has one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            TypeError::NumericFieldOverflow { detail } => Some(detail),
            TypeError::MalformedArray { detail, .. } => Some(detail),
            TypeError::InvalidJson { detail, .. } => Some(detail),
            _ => None,
        }
    }
}
