//! The fuzz targets' regression test, on stable and in CI: every committed seed
//! (`fuzz/seeds/<target>/`, where inputs that once crashed are kept) and seeds encoded here
//! from real data, each with deterministic mutations, go through the entry points the
//! fuzzers drive (`hdfscope::fuzzing`). Any panic fails. `cargo test --test fuzz_seeds --
//! --ignored write_generated_seeds` writes the encoded seeds for the fuzzers
//! (`fuzz/seed.sh` calls it).

use std::path::{Path, PathBuf};

use hdfscope::fuzzing;
use hdfscope::loader::protocol::{FileRef, Job, Reply, write_frame};
use hdfscope::reader::H5File;

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 7] = [
    ("worker_frames", fuzzing::worker_frames),
    ("instance_message", fuzzing::instance_message),
    ("slice_expression", fuzzing::slice_expression),
    ("target_argument", fuzzing::target_argument),
    ("time_units", fuzzing::time_units),
    ("conventions", fuzzing::conventions),
    ("signature", fuzzing::signature),
];

/// Mutations tried per seed.
const MUTATIONS: usize = 300;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5")
}

/// Objects of the demo file with every convention it shows (NeXus, CF, scales).
const DEMO_OBJECTS: [&str; 6] = [
    "/",
    "/entry",
    "/entry/data",
    "/waveforms/signal",
    "/images/image",
    "/tables",
];

/// Valid inputs encoded from real data, for the targets whose input is a message.
fn generated(target: &str) -> Vec<Vec<u8>> {
    let file = H5File::open(&demo()).unwrap();
    let infos = DEMO_OBJECTS.iter().map(|p| file.info(p).unwrap());
    match target {
        "worker_frames" => {
            let mut frames = Vec::new();
            for info in infos {
                let mut f = Vec::new();
                write_frame(&mut f, &Reply::Info(Ok(Box::new(info)))).unwrap();
                frames.push(f);
            }
            let job = Job::Info {
                file: FileRef {
                    id: 1,
                    path: demo(),
                },
                path: "/waveforms/signal".into(),
            };
            let mut f = Vec::new();
            write_frame(&mut f, &job).unwrap();
            frames.push(f);
            frames
        }
        "instance_message" => {
            let requests = [
                hdfscope::app::OpenRequest::from_arg("a.h5".into()),
                hdfscope::app::OpenRequest::from_arg("/data/b.nxs::/entry/data".into()),
            ];
            vec![hdfscope::app::single_instance::encode_message(&requests).unwrap()]
        }
        "conventions" => infos
            .map(|i| rmp_serde::to_vec_named(&i).unwrap())
            .collect(),
        _ => Vec::new(),
    }
}

fn committed(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

/// A copy of `seed` with a few random edits: bit flips, special bytes, cuts, repeats and
/// insertions, as a fuzzer's first mutations do.
fn mutate(seed: &[u8], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut m = seed.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = m.len();
        match rng.u8(0..5) {
            0 if len > 0 => {
                let i = rng.usize(0..len);
                m[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(0..len);
                m[i] = *rng
                    .choice(&[0u8, 0x7f, 0x80, 0xff, b':', b',', b'-'])
                    .unwrap();
            }
            2 if len > 0 => m.truncate(rng.usize(0..len)),
            3 if len > 0 => {
                let a = rng.usize(0..len);
                let b = rng.usize(a..=len.min(a + 64));
                let part = m[a..b].to_vec();
                m.splice(a..a, part);
            }
            _ => {
                let i = rng.usize(0..=len);
                let extra: Vec<u8> = (0..rng.usize(1..8)).map(|_| rng.u8(..)).collect();
                m.splice(i..i, extra);
            }
        }
    }
    m
}

#[test]
fn every_seed_and_its_mutations_pass_through_the_fuzzed_code() {
    let mut rng = fastrand::Rng::with_seed(0x66757a7a);
    for (name, run) in TARGETS {
        let seeds: Vec<Vec<u8>> = committed(name).into_iter().chain(generated(name)).collect();
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for seed in &seeds {
            run(seed);
            for _ in 0..MUTATIONS {
                run(&mutate(seed, &mut rng));
            }
        }
        run(&[]);
    }
}

#[test]
fn mutated_files_through_the_reader_are_always_answered() {
    let exe = Path::new(env!("CARGO_BIN_EXE_hdfscope"));
    let bytes = std::fs::read(demo()).unwrap();
    let mut rng = fastrand::Rng::with_seed(0x68646635);
    for seed in committed("open_mutated") {
        fuzzing::open_in_reader(exe, &seed);
    }
    fuzzing::open_in_reader(exe, &bytes);
    for _ in 0..16 {
        fuzzing::open_in_reader(exe, &mutate(&bytes, &mut rng));
    }
}

/// Writes the encoded seeds where cargo-fuzz looks for its corpus (`fuzz/corpus/<target>`).
#[test]
#[ignore = "run by fuzz/seed.sh"]
fn write_generated_seeds() {
    for (name, _) in TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (k, seed) in generated(name).into_iter().enumerate() {
            std::fs::write(dir.join(format!("generated-{k}")), seed).unwrap();
        }
    }
}
