// embed_migrations! reads migrations/ at compile time: rebuild when it changes. The tests'
// template database is named after the migrations' content (`MIGRATIONS_DIGEST`), so an
// edited migration never reuses a template built from its earlier text.
use std::hash::Hasher;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut files: Vec<_> = std::fs::read_dir("migrations")
        .expect("migrations/")
        .flat_map(|dir| std::fs::read_dir(dir.unwrap().path()).into_iter().flatten())
        .map(|file| file.unwrap().path())
        .collect();
    files.sort();
    // FNV-1a: stable across builds and toolchains, unlike std's default hasher.
    let mut digest = Fnv(0xcbf2_9ce4_8422_2325);
    for file in files {
        digest.write(file.to_string_lossy().as_bytes());
        digest.write(&std::fs::read(&file).unwrap());
    }
    println!("cargo:rustc-env=MIGRATIONS_DIGEST={:016x}", digest.finish());
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}
