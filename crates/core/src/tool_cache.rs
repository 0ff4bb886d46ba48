//! The on-disk cache of tool vectors: a tool's bi-encoder vector depends only on the model and
//! the tool's token ids (each tool is encoded alone, docs/model-format.md), so a run that loads a
//! tool seen before reads its vector from disk instead of running the encoder over it (one-shot
//! with 200 tools spends most of its start encoding them).
//!
//! One file per tool, named by a hash of the model key and the token ids. The file repeats the
//! model key and the ids, and they are compared on reading, so a hash collision or a stale
//! entry is a miss, never a wrong answer. The file ends in a checksum of everything before it,
//! so a damaged entry (a flipped bit in a float, a torn write) is a miss that is rewritten, never
//! a different answer. Names and checksums use FNV-1a, written out here: a hash whose value is
//! fixed by its definition, not by the Rust release (std's `DefaultHasher` may change between
//! releases, which would empty the cache on a toolchain upgrade). The model key is a 128-bit
//! digest of the manifest's bytes, the path, size and modification time of `encoder.onnx`
//! (re-exporting a model changes it) and the runtime (device, ONNX Runtime library, CPU model). Vectors are stored as the exact f32 bits ONNX Runtime returned: a cached
//! run answers exactly like an uncached one.
//!
//! The cache is best effort: an unreadable, unwritable or corrupt cache is a miss (reported
//! once with `--verbose`), never an error. Writing keeps the directory under
//! [`MAX_CACHE_BYTES`] by deleting the oldest entries.
//!
//! (Format 2 had a cache of this design for its tools' K/V, removed with format 2; this is it
//! again for format 4's vectors.)

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The cache directory is trimmed to 3/4 of this when a write takes it above.
pub const MAX_CACHE_BYTES: u64 = 256 << 20;

const MAGIC: &[u8; 10] = b"NEEDLEVEC\n";

/// 64-bit FNV-1a of `bytes`, continuing from `state` (start with [`FNV_OFFSET`]).
fn fnv1a(mut state: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        state ^= u64::from(b);
        state = state.wrapping_mul(0x0000_0100_0000_01b3);
    }
    state
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

pub struct ToolCache {
    dir: PathBuf,
    /// A digest of the model and the runtime (`open`).
    model_key: String,
    /// The first problem met (reading or writing), for `--verbose`.
    pub problem: Option<String>,
    /// Entries were written since the last `trim`.
    written: bool,
}

/// A file's canonical path, size and modification time: it changes when the file is replaced.
fn file_identity(path: &Path) -> std::io::Result<String> {
    let meta = fs::metadata(path)?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    Ok(format!("{}|{}|{modified}", path.display(), meta.len()))
}

/// What besides the model a vector depends on: the device, the ONNX Runtime library loaded
/// (path, size, modification time) and, on Linux, the CPU model (int8 kernels differ between
/// instruction sets, and a home directory may be shared between machines).
pub fn runtime_key(device: &str) -> String {
    let lib = crate::onnx::loaded_ort_lib().and_then(|p| file_identity(p).ok()).unwrap_or_default();
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(str::to_string))
        .unwrap_or_default();
    format!("{device}|{lib}|{cpu}")
}

/// The default cache directory: `$XDG_CACHE_HOME/needle`, else `$HOME/.cache/needle`.
pub fn default_dir() -> Option<PathBuf> {
    crate::xdg_needle_dir("XDG_CACHE_HOME", ".cache")
}

impl ToolCache {
    /// A cache in `dir` for the model in `model_dir` (whose manifest and encoder must exist),
    /// run by `runtime` ([`runtime_key`]: the device, the ONNX Runtime library and the CPU, whose
    /// int8 kernels may round differently).
    pub fn open(dir: &Path, model_dir: &Path, encoder_file: &str, runtime: &str) -> Result<ToolCache> {
        let manifest = fs::read(model_dir.join("needle.json"))
            .with_context(|| format!("cannot read {}", model_dir.join("needle.json").display()))?;
        let encoder = model_dir.join(encoder_file);
        let identity = file_identity(&encoder).with_context(|| format!("cannot stat {}", encoder.display()))?;
        // The manifest can be tens of KiB (calibration scores): the entries hold a 128-bit digest
        // of everything the vectors depend on, not the text itself.
        let mut digest = [0u64; 2];
        for (seed, d) in digest.iter_mut().enumerate() {
            let h = fnv1a(FNV_OFFSET, &[seed as u8 + 0x10]);
            let h = fnv1a(fnv1a(h, identity.as_bytes()), &[0xff]);
            let h = fnv1a(fnv1a(h, runtime.as_bytes()), &[0xff]);
            *d = fnv1a(h, &manifest);
        }
        Ok(ToolCache {
            dir: dir.to_path_buf(),
            model_key: format!("{:016x}{:016x}", digest[0], digest[1]),
            problem: None,
            written: false,
        })
    }

    fn entry_path(&self, ids: &[u32]) -> PathBuf {
        // Two differently seeded 64-bit hashes: file names practically never collide, and
        // the stored key and ids are checked anyway.
        let ids_bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
        let mut names = [0u64; 2];
        for (seed, name) in names.iter_mut().enumerate() {
            let h = fnv1a(FNV_OFFSET, &[seed as u8]);
            let h = fnv1a(h, self.model_key.as_bytes());
            *name = fnv1a(fnv1a(h, &[0xff]), &ids_bytes);
        }
        self.dir.join(format!("{:016x}{:016x}.vec", names[0], names[1]))
    }

    /// The cached vector of the tool line `ids`, if there is a valid one.
    pub fn get(&mut self, ids: &[u32]) -> Option<Vec<f32>> {
        let path = self.entry_path(ids);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.note(format!("cannot read {}: {e}", path.display()));
                return None;
            }
        };
        match decode(&bytes, &self.model_key, ids) {
            Ok(found) => found,
            Err(e) => {
                self.note(format!("{}: {e:#}", path.display()));
                None
            }
        }
    }

    /// Stores the vector of `ids` (atomically: a temporary file renamed into place).
    pub fn put(&mut self, ids: &[u32], vector: &[f32]) {
        if let Err(e) = self.try_put(ids, vector) {
            self.note(format!("cannot write to {}: {e:#}", self.dir.display()));
        }
    }

    fn try_put(&mut self, ids: &[u32], vector: &[f32]) -> Result<()> {
        fs::create_dir_all(&self.dir)?;
        let path = self.entry_path(ids);
        // Unique per process and write: `needle serve`'s workers may write one entry at once.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        let mut file = fs::File::create(&tmp)?;
        // No fsync: a torn entry after a crash is detected on reading and counts as a miss.
        let written = file.write_all(&encode(&self.model_key, ids, vector));
        if let Err(e) = written.map_err(anyhow::Error::from).and_then(|()| Ok(fs::rename(&tmp, &path)?)) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.written = true;
        Ok(())
    }

    /// After writing (once per tool set, not per entry: it reads the whole directory): deletes
    /// the oldest entries while the directory holds more than `MAX_CACHE_BYTES`, and temporary
    /// files a killed writer left. Another process may trim at the same time: a file gone
    /// meanwhile is skipped.
    pub fn trim(&mut self) {
        if !std::mem::take(&mut self.written) {
            return;
        }
        if let Err(e) = self.try_trim(MAX_CACHE_BYTES) {
            self.note(format!("cannot trim {}: {e}", self.dir.display()));
        }
    }

    fn try_trim(&self, max_bytes: u64) -> Result<()> {
        let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
        let mut entries = Vec::new();
        let mut total = 0u64;
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let path = entry.path();
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) if gone(&e) => continue,
                Err(e) => return Err(e.into()),
            };
            let modified = meta.modified()?;
            let is_entry = path.extension().is_some_and(|e| e == "vec");
            let stale_temp = path.extension().is_some_and(|e| e.to_string_lossy().starts_with("tmp"))
                && modified.elapsed().is_ok_and(|age| age.as_secs() > 600);
            if meta.is_file() && stale_temp {
                let _ = fs::remove_file(&path);
            } else if meta.is_file() && is_entry {
                total += meta.len();
                entries.push((modified, meta.len(), path));
            }
        }
        if total <= max_bytes {
            return Ok(());
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= max_bytes / 4 * 3 {
                break;
            }
            match fs::remove_file(&path) {
                Err(e) if !gone(&e) => return Err(e.into()),
                _ => total -= len,
            }
        }
        Ok(())
    }

    fn note(&mut self, problem: String) {
        self.problem.get_or_insert(problem);
    }
}

fn encode(model_key: &str, ids: &[u32], vector: &[f32]) -> Vec<u8> {
    let words = 3 + ids.len() + vector.len();
    let mut out = Vec::with_capacity(MAGIC.len() + model_key.len() + 4 * words + 8);
    let put = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(MAGIC);
    put(&mut out, model_key.len() as u32);
    out.extend_from_slice(model_key.as_bytes());
    put(&mut out, ids.len() as u32);
    ids.iter().for_each(|&id| put(&mut out, id));
    put(&mut out, vector.len() as u32);
    vector.iter().for_each(|f| put(&mut out, f.to_bits()));
    let checksum = fnv1a(FNV_OFFSET, &out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// `Ok(None)`: a valid entry for another model or other ids (a miss); `Err`: a damaged file.
fn decode(bytes: &[u8], model_key: &str, ids: &[u32]) -> Result<Option<Vec<f32>>> {
    if !bytes.starts_with(MAGIC) {
        bail!("not a needle tool-cache entry (or one of another needle version)");
    }
    if bytes.len() < MAGIC.len() + 8 {
        bail!("truncated tool-cache entry");
    }
    let (bytes, stored) = bytes.split_at(bytes.len() - 8);
    if fnv1a(FNV_OFFSET, bytes).to_le_bytes() != stored {
        bail!("tool-cache entry fails its checksum (damaged)");
    }
    let mut cur = Cursor { bytes, pos: MAGIC.len() };
    let key_len = cur.u32()? as usize;
    if cur.bytes(key_len)? != model_key.as_bytes() {
        return Ok(None);
    }
    let n_ids = cur.u32()? as usize;
    if n_ids != ids.len() {
        return Ok(None);
    }
    for &id in ids {
        if cur.u32()? != id {
            return Ok(None);
        }
    }
    let n = cur.u32()? as usize;
    let vector: Vec<f32> = cur
        .bytes(4usize.checked_mul(n).context("tool-cache entry: impossible length")?)?
        .chunks_exact(4)
        .map(|c| f32::from_bits(u32::from_le_bytes(c.try_into().expect("4 bytes"))))
        .collect();
    if cur.pos != bytes.len() {
        bail!("tool-cache entry has {} trailing bytes", bytes.len() - cur.pos);
    }
    Ok(Some(vector))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            bail!("truncated tool-cache entry");
        };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.bytes(4)?.try_into().expect("4 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool() -> Vec<f32> {
        (0..12).map(|i| i as f32 * 0.5 - 1.0).chain((0..12).map(|i| f32::from_bits(0x3f80_0000 + i))).collect()
    }

    #[test]
    fn round_trips_bit_exact_and_checks_key_and_ids() {
        let t = tool();
        let bytes = encode("model-a", &[3, 10, 11], &t);
        assert_eq!(decode(&bytes, "model-a", &[3, 10, 11]).unwrap(), Some(t));
        assert_eq!(decode(&bytes, "model-b", &[3, 10, 11]).unwrap(), None);
        assert_eq!(decode(&bytes, "model-a", &[3, 10, 12]).unwrap(), None);
        assert_eq!(decode(&bytes, "model-a", &[3, 10]).unwrap(), None);
    }

    #[test]
    fn damaged_entries_are_errors_not_panics() {
        let bytes = encode("m", &[1, 2], &tool());
        for cut in [0, 5, 14, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], "m", &[1, 2]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, "m", &[1, 2]).is_err());
        assert!(decode(b"something else", "m", &[1, 2]).is_err());
    }

    #[test]
    fn a_changed_float_is_a_damaged_entry() {
        // The damage issue 17 found: floats negated or zeroed, the size unchanged.
        let bytes = encode("m", &[1, 2], &tool());
        let first_float = bytes.len() - 8 - 4 * 24;
        for (at, byte) in [(first_float + 3, 0x80), (bytes.len() - 9, 0x01), (MAGIC.len() + 2, 0x01)] {
            let mut damaged = bytes.clone();
            damaged[at] ^= byte;
            let err = decode(&damaged, "m", &[1, 2]).unwrap_err();
            assert!(format!("{err}").contains("checksum"), "byte {at}: {err}");
        }
    }

    #[test]
    fn entry_names_are_fixed_by_the_hash_definition() {
        // FNV-1a's published test vectors: the names cannot change with the Rust release.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// A fresh directory with a stand-in model (manifest, encoder file) and a cache for it.
    fn scratch_cache(name: &str) -> (PathBuf, PathBuf, ToolCache) {
        let dir = std::env::temp_dir().join(format!("needle-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let model = dir.join("model");
        fs::create_dir_all(&model).unwrap();
        fs::write(model.join("needle.json"), "{}").unwrap();
        fs::write(model.join("encoder.onnx"), "x").unwrap();
        let cache = ToolCache::open(&dir.join("cache"), &model, "encoder.onnx", "cpu").unwrap();
        (dir, model, cache)
    }

    #[test]
    fn get_after_put_in_a_directory() {
        let (dir, model, mut cache) = scratch_cache("get");
        assert_eq!(cache.get(&[5, 6]), None);
        cache.put(&[5, 6], &tool());
        assert_eq!(cache.get(&[5, 6]), Some(tool()));
        assert_eq!(cache.get(&[5, 7]), None);
        // A damaged file is a miss with a note, not an error.
        fs::write(cache.entry_path(&[5, 6]), b"NEEDLEVEC\nxx").unwrap();
        assert_eq!(cache.get(&[5, 6]), None);
        assert!(cache.problem.is_some());
        // Another model (changed manifest) does not see the entry.
        cache.put(&[5, 6], &tool());
        fs::write(model.join("needle.json"), "{\"other\":1}").unwrap();
        let mut other = ToolCache::open(&dir.join("cache"), &model, "encoder.onnx", "cpu").unwrap();
        assert_eq!(other.get(&[5, 6]), None);
        // So does another runtime (device, ONNX Runtime library, CPU).
        other.put(&[5, 6], &tool());
        let mut cuda = ToolCache::open(&dir.join("cache"), &model, "encoder.onnx", "cuda").unwrap();
        assert_eq!(cuda.get(&[5, 6]), None);
        // An entry holds a digest of the model, not the manifest: its size does not grow with it.
        fs::write(model.join("needle.json"), format!("{{\"scores\": \"{}\"}}", "x".repeat(50_000))).unwrap();
        let mut big = ToolCache::open(&dir.join("cache"), &model, "encoder.onnx", "cpu").unwrap();
        big.put(&[5, 6], &tool());
        assert!(fs::metadata(big.entry_path(&[5, 6])).unwrap().len() < 300);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn trim_deletes_the_oldest_entries_and_stale_temporary_files() {
        let (dir, _, mut cache) = scratch_cache("trim");
        for id in 0..8u32 {
            cache.put(&[id], &tool());
            // Modification times one apart, oldest first.
            let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + u64::from(id));
            fs::File::options().write(true).open(cache.entry_path(&[id])).unwrap().set_modified(t).unwrap();
        }
        let stale = dir.join("cache").join("0000.tmp1-0");
        fs::write(&stale, b"half").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
        let size = fs::metadata(cache.entry_path(&[0])).unwrap().len();
        cache.try_trim(size * 4).unwrap();
        // Over 4 entries' worth: trimmed to 3 (3/4 of the limit), the newest kept.
        let kept: Vec<u32> = (0..8).filter(|&id| cache.entry_path(&[id]).exists()).collect();
        assert_eq!(kept, [5, 6, 7]);
        assert!(!stale.exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
