fn main() -> std::process::ExitCode {
    vetted::cli::run()
}
