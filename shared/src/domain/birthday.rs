use thiserror::Error;
use time::{macros::format_description, Date};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BirthdayError {
    #[error("must be a calendar date written YYYY-MM-DD")]
    Invalid,
    #[error("must not be in the future")]
    InFuture,
    #[error("must be at most {MAX_AGE_YEARS} years ago")]
    TooOld,
}

impl super::Violation for BirthdayError {
    fn code(&self) -> &'static str {
        match self {
            BirthdayError::Invalid => "invalid_date",
            BirthdayError::InFuture => "date_in_future",
            BirthdayError::TooOld => "date_too_old",
        }
    }
}

const MAX_AGE_YEARS: i32 = 130;

/// A date of birth that was plausible on the day it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday(Date);

impl Birthday {
    /// `today` is the caller's clock (UTC), passed in so that the age rules are testable.
    pub fn parse(raw: &str, today: Date) -> Result<Self, BirthdayError> {
        let format = format_description!("[year]-[month]-[day]");
        let raw = raw.trim();
        // `time` accepts a leading sign and more than four year digits; a birthday does not.
        if raw.len() != 10 {
            return Err(BirthdayError::Invalid);
        }
        let date = Date::parse(raw, &format).map_err(|_| BirthdayError::Invalid)?;
        if date > today {
            return Err(BirthdayError::InFuture);
        }
        if date < earliest(today) {
            return Err(BirthdayError::TooOld);
        }
        Ok(Self(date))
    }

    /// See [`super::Text::restore`]: a birthday that was plausible when recorded stays one as
    /// the person ages past the limit.
    pub(crate) fn restore(date: Date) -> Self {
        Self(date)
    }

    pub fn date(&self) -> Date {
        self.0
    }
}

fn earliest(today: Date) -> Date {
    let year = today.year() - MAX_AGE_YEARS;
    // 29 February has no counterpart 130 years earlier when that year is not a leap year.
    Date::from_calendar_date(year, today.month(), today.day())
        .or_else(|_| Date::from_calendar_date(year, today.month(), today.day() - 1))
        .unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 25);

    #[test]
    fn accepts_past_dates_within_130_years() {
        assert_eq!(
            Birthday::parse("1990-02-28", TODAY).unwrap().date(),
            date!(1990 - 02 - 28)
        );
        assert!(Birthday::parse("2026-11-25", TODAY).is_ok());
        assert!(Birthday::parse("1896-11-25", TODAY).is_ok());
    }

    #[test]
    fn rejects_future_and_too_old() {
        assert_eq!(
            Birthday::parse("2026-11-26", TODAY),
            Err(BirthdayError::InFuture)
        );
        assert_eq!(
            Birthday::parse("1896-11-24", TODAY),
            Err(BirthdayError::TooOld)
        );
    }

    #[test]
    fn rejects_other_formats_and_impossible_dates() {
        for bad in [
            "1990-02-30",
            "1990/02/01",
            "01-02-1990",
            "1990-2-1",
            "+1990-02-01",
            "",
            "19900201",
        ] {
            assert_eq!(
                Birthday::parse(bad, TODAY),
                Err(BirthdayError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn leap_day_today_has_an_earliest_date() {
        assert_eq!(earliest(date!(2024 - 02 - 29)), date!(1894 - 02 - 28));
    }
}
