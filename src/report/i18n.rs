//! Language of the report: German (default) or English — number and date formats, weekday
//! and month names, and the fixed texts (titles, labels, legends).

use chrono::{Datelike, NaiveDate};

/// `format!` in the report's language: the German text or the English one, with the same
/// arguments (written once): `text!(lang, "{} Tage", "{} days", n)`.
macro_rules! text {
    ($lang:expr, $de:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::report::i18n::Lang::De => format!($de $(, $arg)*),
            $crate::report::i18n::Lang::En => format!($en $(, $arg)*),
        }
    };
}

pub(crate) use text;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    /// `de` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// Picks the German or the English text.
    pub fn pick<T>(self, de: T, en: T) -> T {
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }

    /// `x` with `decimals` decimals and grouped thousands: `1.234,5` / `1,234.5`.
    pub fn num(self, x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        // Half away from zero (12,5 → 13), not the formatter's half to even.
        let scale = 10f64.powi(decimals as i32);
        let s = format!("{:.*}", decimals, (x.abs() * scale).round() / scale);
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let (group, point) = self.pick(('.', ','), (',', '.'));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let negative = x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
        let sign = if negative { "−" } else { "" };
        if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}{point}{frac}") }
    }

    /// A whole number with grouped thousands.
    pub fn int(self, x: f64) -> String {
        self.num(x.round(), 0)
    }

    /// A share 0–1 as a percentage with `decimals` decimals: `78 %` / `78%`.
    pub fn pct(self, share: f64, decimals: usize) -> String {
        let n = self.num(100.0 * share, decimals);
        self.pick(format!("{n} %"), format!("{n}%"))
    }

    /// Minutes: `12,3 min`.
    pub fn min(self, x: f64) -> String {
        format!("{} min", self.num(x, 1))
    }

    /// `31.12.2025` / `31 Dec 2025`.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::De => d.format("%d.%m.%Y").to_string(),
            Lang::En => format!("{} {} {}", d.day(), self.month_short(d.month()), d.year()),
        }
    }

    /// Short date for axis ticks: `31.12.` / `31 Dec`.
    pub fn date_short(self, d: NaiveDate) -> String {
        match self {
            Lang::De => d.format("%d.%m.").to_string(),
            Lang::En => format!("{} {}", d.day(), self.month_short(d.month())),
        }
    }

    /// ISO weekday 1–7 → `Montag` / `Monday`.
    pub fn weekday(self, iso: u32) -> &'static str {
        const DE: [&str; 7] =
            ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
        const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        let i = (iso.clamp(1, 7) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// ISO weekday 1–7 → `Mo` / `Mon`.
    pub fn weekday_short(self, iso: u32) -> &'static str {
        const DE: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
        const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let i = (iso.clamp(1, 7) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// "on Mondays": `montags` / `on Mondays`.
    pub fn on_weekdays(self, iso: u32) -> String {
        match self {
            Lang::De => format!("{}s", self.weekday(iso).to_lowercase()),
            Lang::En => format!("on {}s", self.weekday(iso)),
        }
    }

    /// Month 1–12 → `Januar` / `January`.
    pub fn month(self, m: u32) -> &'static str {
        const DE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let i = (m.clamp(1, 12) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// Month 1–12 → `Jan`, `Feb`, … (`Mär` / `Mar`).
    pub fn month_short(self, m: u32) -> &'static str {
        const DE: [&str; 12] =
            ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"];
        const EN: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let i = (m.clamp(1, 12) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// An hour span: `8–9 Uhr` / `8:00–9:00`.
    pub fn hour_span(self, hour: u32) -> String {
        self.pick(format!("{hour}–{} Uhr", hour + 1), format!("{hour}:00–{}:00", hour + 1))
    }

    /// A closed day's reason from the forecast (`public holiday: Neujahr`, `closure`, …) in
    /// the report's language.
    pub fn closed_reason(self, reason: &str) -> String {
        if let Some(name) = reason.strip_prefix("public holiday: ") {
            return self.pick(format!("Feiertag: {name}"), format!("Public holiday: {name}"));
        }
        match reason {
            "closure" => self.pick("Schließtag", "Closure").to_string(),
            "closed weekday" | "weekday closed" => self.pick("geschlossen", "closed").to_string(),
            "no forecast" => self.pick("keine Prognose", "no forecast").to_string(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_names() {
        let (de, en) = (Lang::De, Lang::En);
        assert_eq!(de.num(1234.56, 1), "1.234,6");
        assert_eq!(en.num(1234.56, 1), "1,234.6");
        assert_eq!(de.num(-0.04, 1), "0,0");
        assert_eq!(de.num(-12.5, 0), "−13");
        assert_eq!(de.int(203_550.0), "203.550");
        assert_eq!(de.num(999.0, 0), "999");
        assert_eq!(
            (de.num(12.5, 0), de.num(0.25, 1), de.num(-0.5, 0)),
            ("13".into(), "0,3".into(), "−1".into())
        );
        assert_eq!(de.pct(0.7835, 0), "78 %");
        assert_eq!(en.pct(0.7835, 1), "78.4%");
        assert_eq!(de.min(9.42), "9,4 min");
        let d = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        assert_eq!(de.date(d), "31.12.2025");
        assert_eq!(en.date(d), "31 Dec 2025");
        assert_eq!(de.date_short(d), "31.12.");
        assert_eq!(de.weekday(1), "Montag");
        assert_eq!(de.on_weekdays(1), "montags");
        assert_eq!(en.on_weekdays(4), "on Thursdays");
        assert_eq!(de.month(3), "März");
        assert_eq!(de.hour_span(8), "8–9 Uhr");
        assert_eq!(de.closed_reason("public holiday: Neujahr"), "Feiertag: Neujahr");
        assert_eq!(Lang::parse("fr"), None);
    }
}
