//! The settings' tests: precedence, groups, the file, the profile, `config show`.
#![allow(clippy::unwrap_used)]
use super::*;
use msp_orchestrator::CentralPlan;

/// Parsed flags, without what clap took from the test's own environment.
fn flags(args: &[&str]) -> GlobalArgs {
    let argv = ["msp-orchestrator"]
        .iter()
        .chain(args)
        .chain(&["config", "show"]);
    let mut global = Cli::parse_recording(argv).unwrap().global;
    for id in std::mem::take(&mut global.from_env) {
        global.options.clear(&id);
        global.profile = global.profile.filter(|_| id != "profile");
    }
    global
}

/// An environment layer of `(key, value)` pairs.
fn env(pairs: &[(&str, &str)]) -> Options {
    let pairs = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), toml::Value::from(*v)));
    toml::Table::from_iter(pairs).try_into().unwrap()
}

const CREDS: [(&str, &str); 3] = [
    ("client_id", "id"),
    ("client_secret", "secret"),
    ("workspace_id", "3f2a6c1e-0b4d-4e7a-9c2b-1d5e8f9a0b1c"),
];

fn combined(flags: &GlobalArgs, env: Options) -> Combined {
    Layers::with_env(flags, env).unwrap().combine()
}

#[test]
fn every_setting_is_a_global_flag_or_has_its_variable_read_once() {
    let command = Cli::command();
    for key in Options::KEYS {
        let arg = command.get_arguments().find(|a| a.get_id() == key);
        let flag = arg.is_some_and(|a| a.is_global_set() && a.get_long().is_some());
        assert!(flag != ENV_ONLY.iter().any(|(k, _)| k == key), "{key}");
    }
    assert!(UNSET.iter().all(|(k, _)| Options::KEYS.contains(k)));
    // --config's help lists the file keys by hand.
    let config = command.get_arguments().find(|a| a.get_id() == "config");
    let help = config.and_then(|a| a.get_help()).unwrap().to_string();
    for key in Options::KEYS.iter().filter(|k| **k != "tenant_ids_from") {
        assert!(help.contains(key), "--config's help does not name {key}");
    }
}

#[test]
fn a_flag_beats_the_environment_and_a_blank_variable_is_unset() {
    let vars = || env(&[("client_id", "from-env"), ("workspace_id", "  ")]);
    let c = combined(&flags(&["--client-id", "from-flag"]), vars());
    assert_eq!(c.options.client_id.as_deref(), Some("from-flag"));
    assert_eq!(c.from["client_id"], Layer::Flag);
    let c = combined(&flags(&[]), vars());
    assert_eq!(c.from["client_id"], Layer::Env);
    assert_eq!(c.options.workspace_id, None);
    assert_eq!(c.options.concurrency, Some(16));
    assert_eq!(c.from["concurrency"], Layer::Default);
}

#[test]
fn a_value_clap_took_from_the_environment_is_not_a_flag_and_demo_drops_it() {
    let url = "https://process.example.com";
    let mut args = flags(&["--glp-base-url", url, "--client-id", " "]);
    args.from_env
        .extend(["glp_base_url".into(), "client_id".into()]);
    let layers = Layers::load(&args).unwrap();
    let c = layers.combine();
    assert_eq!(c.options.glp_base_url.as_deref(), Some(url));
    let label = layers.label("glp_base_url", c.from["glp_base_url"]);
    assert_eq!(label, "env GLP_BASE_URL");
    assert_eq!(c.options.client_id, None, "blank");
    // `demo`: its own environment decides.
    let c = combined(&args, env(&[("glp_base_url", "http://127.0.0.1:1")]));
    assert_eq!(
        c.options.glp_base_url.as_deref(),
        Some("http://127.0.0.1:1")
    );
    assert_eq!(c.from["glp_base_url"], Layer::Env);
}

#[test]
fn the_first_layer_naming_a_gateway_decides_and_a_url_wins_in_it() {
    let url = ("central_base_url", "https://env.example.com");
    let vars = [url, ("central_cluster", "EU-1")];
    // A cluster flag beats a URL in the environment.
    let c = combined(&flags(&["--central-cluster", "US-WEST-4"]), env(&vars));
    assert_eq!(c.options.central_base_url, None);
    assert_eq!(c.options.central_cluster.as_deref(), Some("US-WEST-4"));
    assert_eq!(c.unused["central_base_url"], "central_cluster");
    // In the environment, the URL wins over the cluster.
    assert_eq!(
        combined(&flags(&[]), env(&vars)).options.central_cluster,
        None
    );
    let urls = (
        "central_base_url",
        "https://a.example.com, https://b.example.com",
    );
    let all = [&CREDS[..], &[urls, ("central_cluster", "EU-1")]].concat();
    let resolved = Layers::with_env(&flags(&[]), env(&all))
        .unwrap()
        .resolve(true);
    let CentralPlan::Gateways(gateways) = resolved.unwrap().session.central else {
        panic!("gateways")
    };
    assert_eq!(gateways.len(), 2);
    let auto = Layers::with_env(&flags(&["--central-cluster", "auto"]), env(&CREDS));
    assert_eq!(
        auto.unwrap().resolve(true).unwrap().session.central,
        CentralPlan::Auto
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let args = flags(&["--concurrency", "0", "--retries", "0", "--rate=-1"]);
    let layers = Layers::with_env(&args, env(&[("central_cluster", "NOWHERE-9")])).unwrap();
    let all = layers.resolve(true).unwrap_err().problems.join("\n");
    let says = [
        "GLP_CLIENT_ID",
        "GLP_CLIENT_SECRET",
        "GLP_WORKSPACE_ID",
        "NOWHERE-9",
    ];
    for says in says
        .into_iter()
        .chain(["--concurrency", "--retries", "--rate"])
    {
        assert!(all.contains(says), "{says}: {all}");
    }
}

#[test]
fn the_file_and_its_profile_are_layers_and_every_bad_key_is_named() {
    let dir = test_support::temp_dir("settings");
    let path = dir.path().join("config.toml");
    let toml = "central_base_url = \"https://top.example.com\"\nconcurrency = 4\n\
                cluster_urls = [\"EU-1=https://eu.example.com\"]\n\
                [profiles.eu]\ncentral_cluster = \"EU-1\"\nrate = 20\n";
    std::fs::write(&path, toml).unwrap();
    let config = path.display().to_string();
    let top = combined(&flags(&["--config", &config]), Options::default());
    assert_eq!(top.from["central_base_url"], Layer::File);
    assert_eq!(
        top.options.cluster_urls.unwrap(),
        ["EU-1=https://eu.example.com"]
    );
    // The profile names a cluster: the top level's URL is not used.
    let eu = flags(&["--config", &config, "--profile", "eu"]);
    let layers = Layers::with_env(&eu, Options::default()).unwrap();
    let c = layers.combine();
    assert_eq!(c.options.central_base_url, None);
    assert_eq!(c.from["central_cluster"], Layer::Profile);
    assert_eq!(
        (c.options.concurrency, c.options.rate),
        (Some(4), Some(20.0))
    );
    let rows = explain(&layers);
    let shown = |key| {
        let row = rows.iter().find(|r| r.key == key).unwrap();
        format!("{} ({})", row.value, row.source)
    };
    assert_eq!(
        shown("central_base_url"),
        "(not used) (central_cluster decides)"
    );
    assert_eq!(shown("rate"), format!("20 (file {config} [profiles.eu])"));

    let toml = "concurency = 4\nretries = \"six\"\n[profiles.x]\nrat = 1\n";
    std::fs::write(&path, toml).unwrap();
    let e = Layers::load(&flags(&["--config", &config])).err().unwrap();
    assert_eq!(e.problems.len(), 3, "{:?}", e.problems);
    assert!(e.problems[0].contains("`concurency`; the keys are client_id, client_secret_f"));
    assert!(e.problems[1].starts_with(&format!("the config file {config}: `retries`: ")));
    assert!(e.problems[2].contains("[profiles.x]: unknown key `rat`"));
}

#[test]
fn config_show_never_shows_the_secret() {
    let rows = explain(&Layers::with_env(&flags(&[]), env(&CREDS)).unwrap());
    let row = rows.iter().find(|r| r.key == "client_secret").unwrap();
    assert_eq!(row.source, "env GLP_CLIENT_SECRET");
    assert!(rows.iter().all(|r| !r.value.contains("secret")));
    // The secret is never a flag.
    assert!(
        Cli::command()
            .get_arguments()
            .all(|a| a.get_id() != "client_secret")
    );
}
