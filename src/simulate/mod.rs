//! placeholder until the simulator lands
pub fn write_csv(
    _: &crate::settings::SimulateSettings,
    _: &[crate::settings::ServiceCode],
    _: chrono_tz::Tz,
    _: &std::path::Path,
) -> Result<String, std::io::Error> {
    Err(std::io::Error::other("not yet"))
}
