//! The real `tongban` CLI, built inside the tests package so that tests can run it as a process.
fn main() -> std::process::ExitCode {
    api::cli::main()
}
