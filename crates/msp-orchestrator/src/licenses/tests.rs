use serde_json::json;

use super::*;

/// 2026-12-01T00:00:00Z.
const NOW: i64 = 1_796_083_200;

fn options() -> LicenseOptions {
    LicenseOptions {
        now: NOW,
        within_days: 90,
        months: 12,
    }
}

fn sub(id: &str, tier: &str, quantity: Value, available: Value, end: &str) -> Value {
    json!({
        "id": id, "type": "subscriptions/subscription", "key": format!("K-{id}"), "tier": tier,
        "quantity": quantity, "availableQuantity": available, "endTime": end,
        "subscriptionStatus": "STARTED",
    })
}

fn workspace(name: &str, subscriptions: Vec<Value>, devices: Vec<Value>) -> WorkspaceItems {
    WorkspaceItems {
        tenant_id: format!("id-{name}"),
        tenant_name: name.into(),
        msp: false,
        subscriptions,
        devices,
    }
}

#[test]
fn dates_parse_in_every_rfc3339_form_and_nothing_else() {
    assert_eq!(parse_rfc3339("2026-12-01T00:00:00Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-12-01T00:00:00.123Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-12-01 01:00:00+01:00"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-11-30T23:00:00-01:00"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-12-01"), Some(NOW));
    assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    for bad in [
        "",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2023-02-29",
        "2026-12-01T24:00:00Z",
        "2026-12-01T00:00:00",
        "2026-12-01T00:00:00.Z",
        "2026-12-01T00:00:00+0100",
        "２０２６-12-01",
        "soon",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
    assert_eq!(month_name(month_index(NOW)), "2026-12");
    assert_eq!(month_name(month_index(NOW - 1)), "2026-11");
    assert_eq!(month_name(month_index(NOW) + 1), "2027-01");
}

#[test]
fn within_takes_days_and_is_bounded() {
    assert_eq!(parse_within("90d"), Ok(90));
    assert_eq!(parse_within("30D"), Ok(30));
    assert_eq!(parse_within("7"), Ok(7));
    assert_eq!(parse_within("3650d"), Ok(3650));
    for bad in [
        "0d",
        "3651d",
        "-5d",
        "+5d",
        "90 d",
        "3m",
        "",
        "d",
        "99999999999999d",
    ] {
        assert!(parse_within(bad).is_err(), "{bad}");
    }
}

#[test]
fn tiers_sum_quantities_given_as_numbers_or_strings_and_assigned_is_the_rest() {
    let ws = workspace(
        "Acme",
        vec![
            sub(
                "a",
                "FOUNDATION_AP",
                json!("25"),
                json!("5"),
                "2028-01-01T00:00:00Z",
            ),
            sub(
                "b",
                "FOUNDATION_AP",
                json!(10),
                json!(10),
                "2027-06-01T00:00:00Z",
            ),
            sub(
                "c",
                "ADVANCED_AP",
                json!(" 4 "),
                json!(1),
                "2029-01-01T00:00:00Z",
            ),
            // Ended: by status, by end time; counted apart.
            json!({"id": "d", "tier": "FOUNDATION_AP", "quantity": "7", "availableQuantity": "7",
                   "subscriptionStatus": "ENDED", "endTime": "2027-01-01T00:00:00Z"}),
            sub(
                "e",
                "FOUNDATION_AP",
                json!("3"),
                json!("0"),
                "2026-11-01T00:00:00Z",
            ),
            // No tier; odd numbers: read as 0, never a failure; more available than quantity.
            json!({"id": "f", "quantity": "many", "availableQuantity": -3}),
            json!({"id": "g", "tier": "", "quantity": 2, "availableQuantity": 9}),
            json!("not an object"),
        ],
        vec![],
    );
    let r = report(&[ws], options());
    let rows: Vec<(&str, u64, u64, u64, u64, u64)> = r
        .tiers
        .iter()
        .map(|t| {
            (
                t.tier.as_str(),
                t.subscriptions,
                t.quantity,
                t.available,
                t.assigned,
                t.ended,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("ADVANCED_AP", 1, 4, 1, 3, 0),
            ("FOUNDATION_AP", 2, 35, 15, 20, 10),
            ("UNKNOWN", 2, 2, 2, 0, 0),
        ]
    );
    let fa = &r.tiers[1];
    assert_eq!(fa.next_end.as_deref(), Some("2027-06-01T00:00:00Z"));
    assert_eq!(fa.tenant_name, "Acme");
}

#[test]
fn without_available_quantity_the_devices_naming_a_subscription_are_assigned() {
    let devices = vec![
        json!({"serialNumber": "S1", "subscription": [{"id": "a", "resourceUri": "/x"}]}),
        json!({"serialNumber": "S2", "subscription": {"id": "a"}}),
        json!({"serialNumber": "S3", "subscription": [{"id": "b"}]}),
    ];
    let ws = workspace(
        "Acme",
        vec![json!({"id": "a", "tier": "FOUNDATION_AP", "quantity": "10"})],
        devices,
    );
    let r = report(&[ws], options());
    assert_eq!((r.tiers[0].available, r.tiers[0].assigned), (8, 2));
}

#[test]
fn devices_without_a_subscription_are_listed_archived_ones_are_not() {
    let devices = vec![
        json!({"serialNumber": "HAS", "subscription": [{"id": "a", "resourceUri": "/x"}]}),
        json!({"serialNumber": "ONE", "subscription": {"id": "a"}}),
        json!({"serialNumber": "EMPTY", "deviceType": "AP", "model": "AP-515", "subscription": []}),
        json!({"serialNumber": "NULL", "subscription": null}),
        json!({"serialNumber": "ABSENT"}),
        json!({"serialNumber": "NOID", "subscription": [{"resourceUri": "/x"}, {"id": " "}]}),
        json!({"serialNumber": "GONE", "archived": true}),
        json!(42),
    ];
    let r = report(&[workspace("Acme", vec![], devices)], options());
    let serials: Vec<&str> = r
        .unsubscribed
        .iter()
        .map(|d| d.serial_number.as_str())
        .collect();
    assert_eq!(serials, ["EMPTY", "NULL", "ABSENT", "NOID"]);
    assert_eq!(r.unsubscribed[0].device_type, "AP");
    assert_eq!(r.unsubscribed[0].model, "AP-515");
}

#[test]
fn device_fields_keep_what_the_report_reads() {
    let device = json!({"serialNumber": "S", "deviceType": "AP", "model": "M", "archived": false,
        "subscription": [{"id": "a"}], "macAddress": "x", "tags": {"k": "v"}});
    let kept = device_fields(&device);
    assert_eq!(
        kept,
        json!({"serialNumber": "S", "deviceType": "AP", "model": "M", "archived": false,
            "subscription": [{"id": "a"}]})
    );
    assert_eq!(device_fields(&json!([1])), Value::Null);
    let full = report(&[workspace("A", vec![], vec![device.clone()])], options());
    let trimmed = report(&[workspace("A", vec![], vec![kept])], options());
    assert_eq!(full, trimmed);
}

#[test]
fn ending_within_lists_live_subscriptions_soonest_first() {
    let a = workspace(
        "A",
        vec![
            sub(
                "late",
                "FOUNDATION_AP",
                json!("5"),
                json!("0"),
                "2027-03-01T00:00:00Z",
            ),
            sub(
                "soon",
                "FOUNDATION_AP",
                json!("5"),
                json!("0"),
                "2026-12-10T12:00:00Z",
            ),
            sub(
                "past",
                "FOUNDATION_AP",
                json!("5"),
                json!("0"),
                "2026-11-30T00:00:00Z",
            ),
            sub(
                "edge",
                "FOUNDATION_AP",
                json!("5"),
                json!("0"),
                "2027-03-01T00:00:00+00:00",
            ),
            sub("never", "FOUNDATION_AP", json!("5"), json!("0"), ""),
        ],
        vec![],
    );
    let b = workspace(
        "B",
        vec![sub(
            "b",
            "ADVANCED_AP",
            json!(2),
            json!(1),
            "2026-12-01T00:00:01Z",
        )],
        vec![],
    );
    let r = report(&[a, b], options());
    let ending: Vec<(&str, &str, u64)> = r
        .ending
        .iter()
        .map(|e| {
            (
                e.tenant_name.as_str(),
                e.subscription_id.as_str(),
                e.days_left,
            )
        })
        .collect();
    // 2026-12-01 + 90 days = 2027-03-01T00:00:00Z: included.
    assert_eq!(
        ending,
        [
            ("B", "b", 0),
            ("A", "soon", 9),
            ("A", "edge", 90),
            ("A", "late", 90)
        ]
    );
    let shorter = report(
        &[workspace(
            "A",
            vec![sub("soon", "X", json!(1), json!(0), "2026-12-10T00:00:00Z")],
            vec![],
        )],
        LicenseOptions {
            within_days: 5,
            ..options()
        },
    );
    assert!(shorter.ending.is_empty());
}

#[test]
fn the_burndown_counts_licences_per_month_across_tenants() {
    let a = workspace(
        "A",
        vec![
            sub("1", "T", json!("10"), json!("0"), "2026-12-31T23:59:59Z"),
            sub("2", "T", json!("5"), json!("0"), "2027-02-01T00:00:00Z"),
            sub("3", "T", json!("100"), json!("0"), "2030-01-01T00:00:00Z"),
            sub(
                "ended",
                "T",
                json!("1000"),
                json!("0"),
                "2026-11-15T00:00:00Z",
            ),
        ],
        vec![],
    );
    let b = workspace(
        "B",
        vec![
            sub("4", "T", json!(7), json!(0), "2027-02-28T00:00:00Z"),
            sub("5", "T", json!(1), json!(0), "2027-11-30T23:59:59Z"),
            sub("6", "T", json!(2), json!(0), "2027-12-01T00:00:00Z"),
        ],
        vec![],
    );
    let r = report(&[a, b], options());
    assert_eq!(r.burndown.len(), 12);
    let months: Vec<(&str, u64, u64, u64)> = r
        .burndown
        .iter()
        .map(|m| (m.month.as_str(), m.subscriptions, m.expiring, m.remaining))
        .collect();
    assert_eq!(months[0], ("2026-12", 1, 10, 115));
    assert_eq!(months[1], ("2027-01", 0, 0, 115));
    assert_eq!(months[2], ("2027-02", 2, 12, 103));
    assert_eq!(months[11], ("2027-11", 1, 1, 102));
    // Months are bounded: 5 becomes 12, 100 becomes 60 (the last one 59 months on).
    for (months, len, last) in [(5, 12, "2027-11"), (100, 60, "2031-11")] {
        let r = report(
            &[],
            LicenseOptions {
                months,
                ..options()
            },
        );
        assert_eq!(r.burndown.len(), len);
        assert_eq!(r.burndown[len - 1].month, last);
    }
}

#[test]
fn the_table_escapes_server_text_and_the_csv_has_one_header() {
    let hostile = "Evil\u{1b}[2J Corp";
    let ws = WorkspaceItems {
        tenant_id: "id".into(),
        tenant_name: hostile.into(),
        msp: true,
        subscriptions: vec![sub(
            "a",
            "=HYPERLINK(\"x\")",
            json!("3"),
            json!("1"),
            "2026-12-20T00:00:00Z",
        )],
        devices: vec![json!({"serialNumber": "S\u{7}1", "subscription": []})],
    };
    let r = report(&[ws], options());
    let table = r.table();
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table}"
    );
    assert!(table.contains("(MSP)"), "{table}");
    // Devices without a subscription are counted per tenant and type in the table.
    assert!(table.contains("DEVICES"), "{table}");
    let csv = r.csv();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(CSV_COLUMNS.join(",").as_str()));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("burndown,")).count(),
        12
    );
    assert!(
        csv.lines()
            .all(|l| l.split(',').count() >= CSV_COLUMNS.len()),
        "{csv}"
    );
    let json = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(json["now"], "2026-12-01T00:00:00Z");
    assert_eq!(json["tiers"][0]["assigned"], 2);
}
