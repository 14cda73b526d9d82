//! Administrative areas: 12-digit statistical region codes (省2 市2 县2 乡镇3 村3) and levels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdminLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl AdminLevel {
    pub const ALL: [AdminLevel; 5] =
        [AdminLevel::Province, AdminLevel::City, AdminLevel::County, AdminLevel::Town, AdminLevel::Village];

    /// How many leading digits of a code identify an area of this level.
    pub fn significant_digits(self) -> usize {
        match self {
            AdminLevel::Province => 2,
            AdminLevel::City => 4,
            AdminLevel::County => 6,
            AdminLevel::Town => 9,
            AdminLevel::Village => 12,
        }
    }

    /// Lower-case name as used in region CSV files and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::Province => "province",
            AdminLevel::City => "city",
            AdminLevel::County => "county",
            AdminLevel::Town => "town",
            AdminLevel::Village => "village",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AdminLevel::Province => "省级",
            AdminLevel::City => "市级",
            AdminLevel::County => "县级",
            AdminLevel::Town => "乡镇级",
            AdminLevel::Village => "村级",
        }
    }

    /// The service organisation's suffix: 政务服务中心, 便民服务中心 or 便民服务站.
    pub fn center_suffix(self) -> &'static str {
        match self {
            AdminLevel::Province | AdminLevel::City | AdminLevel::County => "政务服务中心",
            AdminLevel::Town => "便民服务中心",
            AdminLevel::Village => "便民服务站",
        }
    }

    /// Town and village tenants are stations with limited rights.
    pub fn is_station(self) -> bool {
        matches!(self, AdminLevel::Town | AdminLevel::Village)
    }
}

impl FromStr for AdminLevel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "province" => Ok(AdminLevel::Province),
            "city" => Ok(AdminLevel::City),
            "county" => Ok(AdminLevel::County),
            "town" => Ok(AdminLevel::Town),
            "village" => Ok(AdminLevel::Village),
            _ => Err(Error::invalid(format!("层级“{s}”无效，应为 province、city、county、town 或 village"))),
        }
    }
}

impl fmt::Display for AdminLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 12-digit statistical region code. Parsing is the only way to make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode([u8; 12]);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(Error::invalid(format!("区划代码“{s}”无效，应为12位数字，例如 610426001000")));
        }
        if bytes[..2] == *b"00" {
            return Err(Error::invalid(format!("区划代码“{s}”无效：省级代码不能为00")));
        }
        let mut code = [0u8; 12];
        code.copy_from_slice(bytes);
        Ok(RegionCode(code))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The leading digits that every descendant of an area of `level` shares.
    pub fn prefix(&self, level: AdminLevel) -> &str {
        &self.as_str()[..level.significant_digits()]
    }

    /// True when the digits beyond `level`'s significant ones are all zero.
    pub fn fits_level(&self, level: AdminLevel) -> bool {
        self.0[level.significant_digits()..].iter().all(|d| *d == b'0')
    }

    /// The code of the area of `level` that contains this one (digits beyond it set to zero).
    pub fn truncate(&self, level: AdminLevel) -> RegionCode {
        let mut code = self.0;
        for d in code.iter_mut().skip(level.significant_digits()) {
            *d = b'0';
        }
        RegionCode(code)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RegionCode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_twelve_digits_only() {
        assert!(RegionCode::parse("610426001000").is_ok());
        for bad in ["61042600100", "6104260010000", "61042600100a", "", "000000000000", "６１０４２６００１０００"]
        {
            let e = RegionCode::parse(bad).expect_err(bad);
            assert_eq!(e.code(), "INVALID_INPUT");
            assert!(e.to_string().contains("区划代码"));
        }
    }

    #[test]
    fn prefixes_follow_levels() {
        let town = RegionCode::parse("610426001000").expect("valid");
        assert_eq!(town.prefix(AdminLevel::County), "610426");
        assert_eq!(town.prefix(AdminLevel::Town), "610426001");
        assert!(town.fits_level(AdminLevel::Town));
        assert!(!town.fits_level(AdminLevel::County));
        assert_eq!(town.truncate(AdminLevel::County).as_str(), "610426000000");
    }

    #[test]
    fn center_names_by_level() {
        assert_eq!(AdminLevel::County.center_suffix(), "政务服务中心");
        assert_eq!(AdminLevel::Town.center_suffix(), "便民服务中心");
        assert_eq!(AdminLevel::Village.center_suffix(), "便民服务站");
    }
}
