//! Which server process this is among those sharing one database, stable across
//! restarts: an outbox claim names its instance, so an instance that restarts after
//! a crash sends its own interrupted messages again at once (nobody else can still
//! be sending them) instead of waiting out the in-flight timeout.
//!
//! The id lives in a slot file under `{PORTAL_DATA_DIR}/instances/`, held with an
//! exclusive lock for the life of the process: a process takes the first slot no
//! live process holds, and the kernel frees the lock when the process dies, however
//! it dies. So two live processes never share an id — also not two on one data
//! folder — and a restarted process gets its slot, and its id, back. Instances on
//! other machines have data folders, and ids, of their own.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Slots per data folder: server processes that may run on it at once.
const SLOTS: usize = 64;

/// This process's instance id and the lock that keeps it its own; keep it alive as
/// long as the process runs.
#[derive(Debug)]
pub struct Instance {
    pub id: String,
    _slot: File,
}

/// Takes the first free slot under `{data_dir}/instances/` and returns its id (made
/// the first time a slot is used).
///
/// # Errors
/// When the folder or a slot file cannot be used, or every slot is held.
pub fn claim(data_dir: &Path) -> Result<Instance, String> {
    let dir = data_dir.join("instances");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for n in 0..SLOTS {
        let path = dir.join(format!("slot-{n}.id"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("opening {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(e)) => {
                return Err(format!("locking {}: {e}", path.display()));
            }
        }
        let mut id = String::new();
        file.read_to_string(&mut id)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let id = id.trim();
        let id = if valid(id) {
            id.to_owned()
        } else {
            let fresh = uuid::Uuid::new_v4().simple().to_string();
            write_id(&mut file, &fresh).map_err(|e| format!("writing {}: {e}", path.display()))?;
            fresh
        };
        return Ok(Instance { id, _slot: file });
    }
    Err(format!(
        "all {SLOTS} instance slots in {} are held by running servers",
        dir.display()
    ))
}

fn write_id(file: &mut File, id: &str) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(id.as_bytes())?;
    file.sync_all()
}

fn valid(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An id for a process that holds no slot (CLI commands, tests): its claims are
/// never recognised after a restart, so they wait out the in-flight timeout.
pub fn transient_id() -> String {
    format!("transient-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_slot_is_never_shared_and_a_freed_one_keeps_its_id() {
        let dir = std::env::temp_dir().join(format!("instance-test-{}", transient_id()));
        let first = claim(&dir).expect("first slot");
        let second = claim(&dir).expect("second slot");
        assert_ne!(first.id, second.id);
        assert!(valid(&first.id) && valid(&second.id));
        let first_id = first.id.clone();
        drop(first);
        // The first slot is free again: a restart gets the same id back.
        let again = claim(&dir).expect("first slot again");
        assert_eq!(again.id, first_id);
        drop((again, second));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
