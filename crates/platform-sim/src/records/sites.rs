//! Site ids and names.

use crate::population::{Population, Tenant, key};
use crate::rng::{bij40, hash};

use super::devices::slot;

pub(super) const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Zürich", "CH", "Europe/Zurich", "Bahnhofstrasse"),
    ("São Paulo", "BR", "America/Sao_Paulo", "Avenida Paulista"),
    ("東京", "JP", "Asia/Tokyo", "丸の内"),
    ("Kraków", "PL", "Europe/Warsaw", "ulica Floriańska"),
    ("Montréal", "CA", "America/Toronto", "Rue Sainte-Catherine"),
    ("Reykjavík", "IS", "Atlantic/Reykjavik", "Laugavegur"),
    ("Austin", "US", "America/Chicago", "Congress Avenue"),
    ("München", "DE", "Europe/Berlin", "Maximilianstraße"),
    ("Sevilla", "ES", "Europe/Madrid", "Calle Sierpes"),
    ("Dublin", "IE", "Europe/Dublin", "O'Connell Street"),
];
const SITE_KINDS: &[&str] = &["HQ", "Branch", "Warehouse", "Store", "Campus", "Clinic"];

pub(super) fn site_id(pop: &Population, t: &Tenant, s: u32) -> String {
    (100_000 + bij40(slot(t, s), key(pop.seed, 0x517E))).to_string()
}

/// The name of site `s` of tenant `t`.
pub(crate) fn site_name(pop: &Population, t: &Tenant, s: u32) -> String {
    let h = hash(&[pop.seed, 0x5173, u64::from(t.index), u64::from(s)]);
    let city = CITIES[(h % CITIES.len() as u64) as usize].0;
    let kind = SITE_KINDS[((h >> 8) % SITE_KINDS.len() as u64) as usize];
    format!("{city} {kind} {}", s + 1)
}
