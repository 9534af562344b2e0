//! The `keelson` command.

mod cli;

/// keelson allocates and frees many small strings and nodes; mimalloc serves them several
/// times faster than glibc's allocator. Transparent huge pages stay off (`no_thp`), or they
/// would inflate the resident memory of a short-lived process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
