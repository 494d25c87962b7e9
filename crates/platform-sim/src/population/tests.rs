use super::*;

fn pop(tenants: usize) -> Population {
    Population::build(&SimConfig {
        tenants,
        ..SimConfig::default()
    })
}

#[test]
fn deterministic_and_varied() {
    let a = pop(25);
    let b = pop(25);
    assert_eq!(a.tenants.len(), 25);
    for (x, y) in a.tenants.iter().zip(&b.tenants) {
        assert_eq!(x.workspace_id, y.workspace_id);
        assert_eq!(x.name, y.name);
        assert_eq!(x.devices, y.devices);
        assert_ne!(x.workspace_id, x.central_id);
    }
    let names: std::collections::HashSet<_> = a.tenants.iter().map(|t| &t.name).collect();
    assert_eq!(names.len(), 25);
    assert!(a.tenants.iter().any(|t| t.name.contains('\'')));
    assert!(a.tenants.iter().any(|t| !t.name.is_ascii()));
    assert!(a.tenants.iter().filter(|t| t.devices == 0).count() >= 3);
    assert!(a.tenants.iter().any(|t| t.devices == 2500));
    assert!(
        a.tenants
            .windows(2)
            .all(|w| w[0].created_at < w[1].created_at)
    );
    let mut sorted: Vec<u32> = a.tenants.iter().map(|t| t.devices).collect();
    sorted.sort_unstable();
    let median = sorted[12];
    assert!((20..=500).contains(&median), "median {median}");
}

#[test]
fn ten_thousand_unique_names() {
    let p = pop(10_000);
    let names: std::collections::HashSet<_> = p.tenants.iter().map(|t| &t.name).collect();
    assert_eq!(names.len(), 10_000);
}

#[test]
fn default_secret_is_alphanumeric_and_hostile_one_needs_encoding() {
    let p = pop(1);
    assert_eq!(p.client_secret.len(), 32);
    assert!(p.client_secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        p.client_secret,
        pop(1).client_secret,
        "derived from the seed"
    );
    let other = Population::build(&SimConfig {
        tenants: 1,
        seed: 7,
        ..SimConfig::default()
    });
    assert_ne!(p.client_secret, other.client_secret);
    let h = Population::build(&SimConfig {
        tenants: 1,
        hostile_secret: true,
        ..SimConfig::default()
    });
    assert!(h.client_secret.contains('+'));
    assert!(h.client_secret.contains('&'));
    assert!(h.client_secret.contains(' '));
    assert!(h.client_secret.contains("%2B"));
    assert!(h.client_secret.contains(':'));
    // The option changes the secret only.
    assert_eq!(h.client_id, p.client_id);
    assert_eq!(h.msp_workspace_id, p.msp_workspace_id);
}
