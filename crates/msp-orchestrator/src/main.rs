//! `msp-orchestrator`: list the tenants of an HPE GreenLake MSP and collect Central data from
//! every one of them. Run `msp-orchestrator --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
