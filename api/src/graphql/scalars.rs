//! Scalars of the contract. Parsing happens in resolvers through the domain types, so that bad
//! input answers INVALID_INPUT with a Chinese message.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};
use domain::region::RegionCode;

/// RFC 3339 with the Asia/Shanghai offset, e.g. 2026-11-28T09:30:00+08:00.
pub struct DateTimeScalar(pub DateTime<Utc>);

/// 时间，RFC 3339 格式，带北京时间时区，如 2026-11-28T09:30:00+08:00。
#[Scalar(name = "DateTime")]
impl ScalarType for DateTimeScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| DateTimeScalar(d.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("时间格式应为 RFC 3339，例如 2026-11-28T09:30:00+08:00")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(domain::china_time::rfc3339(self.0))
    }
}

/// A 12-digit region code, checked when used.
pub struct RegionCodeScalar(pub String);

impl RegionCodeScalar {
    pub fn parse(&self) -> Result<RegionCode, domain::Error> {
        RegionCode::parse(&self.0)
    }
}

impl From<RegionCode> for RegionCodeScalar {
    fn from(c: RegionCode) -> Self {
        RegionCodeScalar(c.to_string())
    }
}

/// 区划代码：12 位统计用区划代码（省2 市2 县2 乡镇3 村3），如 610426000000。
#[Scalar(name = "RegionCode")]
impl ScalarType for RegionCodeScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(RegionCodeScalar(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// A date `YYYY-MM-DD` of the Asia/Shanghai calendar. Accepted as any string and checked when
/// used, so that a bad date answers INVALID_INPUT with a Chinese message.
pub struct DateScalar(pub String);

impl DateScalar {
    pub fn parse(&self) -> Result<chrono::NaiveDate, domain::Error> {
        let s = self.0.trim();
        let parsed = if s.len() == 10 { chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok() } else { None };
        parsed.ok_or_else(|| {
            domain::Error::invalid(format!("日期“{s}”无效，应为YYYY-MM-DD格式的有效日期，例如 2026-02-13"))
        })
    }
}

impl From<chrono::NaiveDate> for DateScalar {
    fn from(d: chrono::NaiveDate) -> Self {
        DateScalar(d.format("%Y-%m-%d").to_string())
    }
}

/// 日期，YYYY-MM-DD（北京时间的日历日），如 2026-02-13。
#[Scalar(name = "Date")]
impl ScalarType for DateScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(DateScalar(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}
