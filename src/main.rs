//! The `keelson` command.
//!
//! On Unix the C runtime calls [`main`] directly (`no_main`): Rust's own start-up would
//! first read `/proc/self/maps` and map signal stacks in every thread, only to print a
//! message on a stack overflow, which the input limits rule out: 0.05 ms a run.
//! [`process`] does the two things of Rust's start-up that keelson needs.
#![cfg_attr(all(unix, not(test)), no_main)]

mod alloc;
mod cli;
#[cfg(all(target_arch = "x86_64", any(test, target_env = "musl")))]
mod mem;

/// mimalloc, with small requests rounded up (see [`alloc`]).
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

#[cfg(all(unix, not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: std::ffi::c_int, argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    process::start();
    // SAFETY: the C runtime passes `argc` arguments in `argv`.
    let args = unsafe { process::args(argc, argv) };
    process::exit(cli::main(args))
}

#[cfg(any(not(unix), test))]
fn main() {
    std::process::exit(cli::main(std::env::args_os()));
}

#[cfg(all(unix, not(test)))]
mod process {
    use std::io::Write as _;

    /// What keelson needs of Rust's start-up: standard streams that are open (so that no
    /// file keelson opens becomes its stdout), and a write to a closed pipe that fails with
    /// an error (`render | head` ends quietly) instead of killing the process.
    pub(crate) fn start() {
        let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
            fd,
            events: 0,
            revents: 0,
        });
        // SAFETY: `fds` is a valid array of three `pollfd`s; a zero timeout never blocks.
        if unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } >= 0 {
            for fd in fds.iter().filter(|fd| fd.revents & libc::POLLNVAL != 0) {
                // SAFETY: a constant, NUL-terminated path; the lowest closed descriptor
                // is the one `open` returns, so each closed one gets /dev/null in turn.
                let opened = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
                if opened != fd.fd {
                    break;
                }
            }
        }
        // SAFETY: ignoring SIGPIPE is what Rust's start-up does too.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    }

    /// The command line as `main` receives it. Rust's `std::env::args` is empty under
    /// `no_main` with C libraries other than glibc (musl), which do not hand the arguments
    /// to the functions that run before `main`.
    ///
    /// # Safety
    ///
    /// `argv` holds at least `argc` pointers to NUL-terminated strings that live as long
    /// as the process.
    pub(crate) unsafe fn args(
        argc: std::ffi::c_int,
        argv: *const *const std::ffi::c_char,
    ) -> impl Iterator<Item = std::ffi::OsString> {
        use std::os::unix::ffi::OsStrExt as _;
        (0..usize::try_from(argc).unwrap_or(0)).map(move |i| {
            // SAFETY: `i < argc`, and each of those pointers is a NUL-terminated string
            // (the caller's promise).
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            std::ffi::OsStr::from_bytes(arg.to_bytes()).to_os_string()
        })
    }

    /// Ends the process once stdout is flushed, without the exit handlers: mimalloc's would
    /// hand each freed page back to the OS one system call at a time (0.2 ms for the
    /// example chart), work the OS does anyway as the process ends.
    pub(crate) fn exit(code: i32) -> ! {
        let _ = std::io::stdout().flush();
        // SAFETY: `_exit` ends the process; nothing runs after it.
        unsafe { libc::_exit(code) }
    }
}
