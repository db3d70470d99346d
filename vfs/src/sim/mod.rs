//! `SimVfs`: a deterministic, seeded, in-memory disk behind an OS page cache. This module
//! owns the public simulation API, operation counting and fault injection (crash points,
//! EIO, ENOSPC); the file-system model and crash images live in [`model`].

mod model;
#[cfg(test)]
mod tests;

use crate::{OpenMode, Vfs, VfsFile};
use model::{Fs, Ino};
use parking_lot::Mutex;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How [`SimVfs::crash`] decides what survives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashMode {
    /// Process killed: the OS keeps everything written; all pending data and directory ops
    /// survive.
    ProcessKill,
    /// Power loss: every unsynced write is independently kept, dropped, or torn (each 512-byte
    /// sector of it, aligned to absolute file offsets, independently old or new content);
    /// unsynced `set_len` kept or dropped; unsynced directory operations (create/remove/rename)
    /// independently kept or dropped (a rename stays atomic).
    PowerLoss,
}

/// Which operations an [`IoFault`] hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// `read_at`.
    Read,
    /// `write_all_at` and `set_len`.
    Write,
    /// `VfsFile::sync`.
    Sync,
    /// `Vfs::sync_dir`.
    SyncDir,
    /// Every operation, including metadata ones (`open`, `len`, `exists`, `list`, ...).
    Any,
}

/// The class of an operation, for matching against a [`FaultKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpClass {
    Read,
    Write,
    Sync,
    SyncDir,
    Meta,
}

impl FaultKind {
    fn matches(self, class: OpClass) -> bool {
        matches!(
            (self, class),
            (FaultKind::Any, _)
                | (FaultKind::Read, OpClass::Read)
                | (FaultKind::Write, OpClass::Write)
                | (FaultKind::Sync, OpClass::Sync)
                | (FaultKind::SyncDir, OpClass::SyncDir)
        )
    }
}

/// Faults to inject into a [`SimVfs`].
#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    /// Operation number (0-based, counting every trait call on the Vfs and its files) at which
    /// the simulated machine stops: that operation and all later ones fail with an
    /// `io::Error` of kind `Other` and message "simulated crash", without effect.
    pub crash_at_op: Option<u64>,
    /// Inject EIO on the first operation of the given kind whose op number is `>= at_op`.
    /// If persistent, every later operation of that kind fails too.
    pub io_error: Option<IoFault>,
    /// Writes that would make `bytes_written` exceed this budget fail with ENOSPC and have no
    /// effect.
    pub enospc_after_bytes: Option<u64>,
}

/// An injected EIO; see [`FaultPlan::io_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoFault {
    pub at_op: u64,
    pub kind: FaultKind,
    pub persistent: bool,
}

/// Why an operation was refused before taking effect.
enum Denied {
    Crashed,
    Eio,
}

impl From<Denied> for io::Error {
    fn from(denied: Denied) -> io::Error {
        match denied {
            Denied::Crashed => io::Error::other("simulated crash"),
            Denied::Eio => model::os_err(libc::EIO),
        }
    }
}

/// Shared state of a simulated machine.
struct State {
    rng: ChaCha8Rng,
    plan: FaultPlan,
    /// Operations attempted so far; the next operation gets this number.
    ops: u64,
    crashed: bool,
    /// Whether a non-persistent `io_error` has already fired.
    io_fault_fired: bool,
    /// Bytes accepted by `write_all_at`.
    bytes_written: u64,
    /// Called once, on the calling thread, when the next file sync starts.
    sync_hook: Option<SyncHook>,
    fs: Fs,
}

/// See [`SimVfs::on_next_sync`].
pub type SyncHook = Box<dyn FnOnce() + Send>;

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("ops", &self.ops)
            .field("crashed", &self.crashed)
            .field("plan", &self.plan)
            .field("bytes_written", &self.bytes_written)
            .field("sync_hook", &self.sync_hook.is_some())
            .finish_non_exhaustive()
    }
}

impl State {
    fn new(seed: u64, fs: Fs) -> State {
        State {
            rng: ChaCha8Rng::seed_from_u64(seed),
            plan: FaultPlan::default(),
            ops: 0,
            crashed: false,
            io_fault_fired: false,
            bytes_written: 0,
            sync_hook: None,
            fs,
        }
    }

    /// Numbers one operation and checks the plan; `Err` means the operation has no effect.
    fn begin(&mut self, class: OpClass) -> Result<(), Denied> {
        let op = self.ops;
        self.ops += 1;
        if self.crashed {
            return Err(Denied::Crashed);
        }
        if self.plan.crash_at_op.is_some_and(|at| op >= at) {
            self.crashed = true;
            return Err(Denied::Crashed);
        }
        if let Some(fault) = self.plan.io_error {
            if op >= fault.at_op
                && fault.kind.matches(class)
                && (fault.persistent || !self.io_fault_fired)
            {
                self.io_fault_fired = true;
                return Err(Denied::Eio);
            }
        }
        Ok(())
    }
}

/// A simulated file system; clones share the same machine.
#[derive(Clone, Debug)]
pub struct SimVfs {
    state: Arc<Mutex<State>>,
    /// Locks held by the simulated process (a crash starts a new process with none).
    locks: Arc<Mutex<std::collections::BTreeSet<PathBuf>>>,
}

impl SimVfs {
    /// An empty file system whose crash decisions derive from `seed`.
    pub fn new(seed: u64) -> SimVfs {
        SimVfs::from_state(State::new(seed, Fs::new()))
    }

    fn from_state(state: State) -> SimVfs {
        SimVfs {
            state: Arc::new(Mutex::new(state)),
            locks: Arc::default(),
        }
    }

    /// Replaces the fault plan (and re-arms a one-shot `io_error`).
    pub fn set_plan(&self, plan: FaultPlan) {
        let mut st = self.state.lock();
        st.plan = plan;
        st.io_fault_fired = false;
    }

    /// Runs `hook` when the next file sync starts, before the sync takes effect (or fails),
    /// on the thread calling it and without the machine's lock: a test can hold the syncing
    /// thread there to make another thread act while the sync is in progress. Replaces a
    /// hook not yet run.
    pub fn on_next_sync(&self, hook: SyncHook) {
        self.state.lock().sync_hook = Some(hook);
    }

    /// Removes a hook [`SimVfs::on_next_sync`] set and that has not run.
    pub fn clear_sync_hook(&self) {
        self.state.lock().sync_hook = None;
    }

    /// Number of operations attempted so far.
    pub fn op_count(&self) -> u64 {
        self.state.lock().ops
    }

    /// Whether the crash point was reached or [`SimVfs::crash`] was called.
    pub fn is_crashed(&self) -> bool {
        self.state.lock().crashed
    }

    /// Simulates a crash: builds the post-crash durable image according to `mode`, marks this
    /// machine (all its clones and open files) as crashed so every later operation on them
    /// fails, and returns a fresh `SimVfs` holding only the post-crash image (op counter 0,
    /// empty plan, RNG derived deterministically from this one's).
    pub fn crash(&self, mode: CrashMode) -> SimVfs {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        st.crashed = true;
        let seed = st.rng.next_u64();
        let fs = match mode {
            CrashMode::ProcessKill => st.fs.process_kill_image(),
            CrashMode::PowerLoss => st.fs.power_loss_image(&mut st.rng),
        };
        SimVfs::from_state(State::new(seed, fs))
    }

    /// Total bytes accepted by `write_all_at` so far (failed writes do not count).
    pub fn bytes_written(&self) -> u64 {
        self.state.lock().bytes_written
    }

    /// A file's current contents (what reads see), or `None` if missing. Not an operation;
    /// works even when crashed.
    pub fn peek(&self, path: &Path) -> Option<Vec<u8>> {
        self.state.lock().fs.peek(path)
    }

    /// Overwrites bytes of a file as durable data, e.g. to inject corruption. Not an
    /// operation; does nothing if the file is missing or the range is out of bounds.
    pub fn poke(&self, path: &Path, offset: u64, bytes: &[u8]) {
        self.state.lock().fs.poke(path, offset, bytes);
    }
}

struct SimLock {
    locks: Arc<Mutex<std::collections::BTreeSet<PathBuf>>>,
    path: PathBuf,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.locks.lock().remove(&self.path);
    }
}

impl Vfs for SimVfs {
    fn lock(&self, path: &Path) -> io::Result<crate::LockGuard> {
        if !self.locks.lock().insert(path.to_path_buf()) {
            return Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "lock held by another user",
            ));
        }
        Ok(crate::LockGuard::new(Box::new(SimLock {
            locks: self.locks.clone(),
            path: path.to_path_buf(),
        })))
    }

    fn open(&self, path: &Path, mode: OpenMode) -> io::Result<Arc<dyn VfsFile>> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        let ino = st.fs.open(path, mode == OpenMode::CreateIfMissing)?;
        Ok(Arc::new(SimFile {
            state: Arc::clone(&self.state),
            ino,
        }))
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        st.fs.create_dir_all(dir)
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        Ok(st.fs.exists(path))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        st.fs.remove(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        st.fs.rename(from, to)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::SyncDir)?;
        st.fs.sync_dir(dir)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        let names = st.fs.list(dir)?;
        Ok(names.into_iter().map(|name| dir.join(name)).collect())
    }
}

/// An open simulated file; refers to its inode, not its name.
struct SimFile {
    state: Arc<Mutex<State>>,
    ino: Ino,
}

impl fmt::Debug for SimFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimFile").field("ino", &self.ino).finish()
    }
}

impl Drop for SimFile {
    fn drop(&mut self) {
        self.state.lock().fs.release(self.ino);
    }
}

impl VfsFile for SimFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut st = self.state.lock();
        st.begin(OpClass::Read)?;
        st.fs.read(self.ino, buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::Write)?;
        let len = buf.len() as u64;
        if let Some(budget) = st.plan.enospc_after_bytes {
            if st.bytes_written.saturating_add(len) > budget {
                return Err(model::os_err(libc::ENOSPC));
            }
        }
        st.fs.write(self.ino, offset, buf)?;
        st.bytes_written += len;
        Ok(())
    }

    /// An injected EIO drops the file's unsynced data ("fsyncgate").
    fn sync(&self) -> io::Result<()> {
        let hook = self.state.lock().sync_hook.take();
        if let Some(hook) = hook {
            hook();
        }
        let mut st = self.state.lock();
        match st.begin(OpClass::Sync) {
            Ok(()) => st.fs.sync(self.ino),
            Err(Denied::Eio) => {
                st.fs.drop_pending(self.ino)?;
                Err(Denied::Eio.into())
            }
            Err(denied) => Err(denied.into()),
        }
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut st = self.state.lock();
        st.begin(OpClass::Write)?;
        st.fs.set_len(self.ino, len)
    }

    fn len(&self) -> io::Result<u64> {
        let mut st = self.state.lock();
        st.begin(OpClass::Meta)?;
        st.fs.len(self.ino)
    }
}
