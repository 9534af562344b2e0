//! Declares the files `.cargo/link-hot-first` reads while linking, so that changing them
//! links the binary again (cargo cannot see a linker's inputs by itself).

fn main() {
    for input in [
        ".cargo/link-hot-first",
        ".cargo/symbol-key.awk",
        ".cargo/hot-functions.txt",
    ] {
        println!("cargo::rerun-if-changed={input}");
    }
}
