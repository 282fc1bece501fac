"""Closing what Streamlit's server offers and the app does not use.

Checked on Streamlit 1.67 (Starlette server):

- ``PUT /_stcore/upload_file/{session_id}/{file_id}`` stores a file in server
  memory for any live session, with any file id, whether or not the page shows
  a file uploader; the files stay until the session ends. Here a session may
  store files only after the upload page has found it to be an editor's
  (:func:`allow_uploads`, called by ``ui.auth.editor_gate``), and at most
  :data:`MAX_FILES` files and :data:`MAX_SESSION_UPLOADS` times
  ``server.maxUploadSize`` in all. Other sessions get 403, sessions over the
  bounds 413; the refusal is logged.
- Files of a session that ended without saying so (its tab closed, then its
  two minutes for reconnecting passed) are never freed by Streamlit: its
  session store forgets the session without shutting it down. Each upload
  and each run of the upload page frees the files of sessions the runtime no
  longer knows (:func:`free_forgotten_uploads`).
- The ``clear_cache`` message any browser may send clears every cache of the
  server (the database connection included) for every user, and
  ``load_git_info`` answers with the repository's remote, branch and the names
  of uncommitted files. The app offers neither: both are logged and ignored.

Streamlit has no setting for either, so :func:`install` wraps the two methods
once per server process; it is called when the ``ui`` package is imported,
which every page does first.
"""

from __future__ import annotations

import logging
import threading

from streamlit import config
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

_LOG = logging.getLogger("metrodigital.hardening")

MAX_FILES = 3  # one file in the uploader, and the one it replaces while replacing it
MAX_SESSION_UPLOADS = 3  # × server.maxUploadSize: what one session may hold in memory

_uploaders: set[str] = set()  # sessions the upload page found to be editors'
_lock = threading.Lock()
_add_lock = threading.Lock()  # one guarded add at a time: the bounds hold under parallel PUTs
_installed = False


def allow_uploads(allowed: bool) -> None:
    """Let this session store uploaded files (an editor on the upload page), or not."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with _lock:
        if allowed:
            _uploaders.add(ctx.session_id)
        else:
            _uploaders.discard(ctx.session_id)
        _forget_ended_sessions()
    free_forgotten_uploads()


def may_upload(session_id: str) -> bool:
    with _lock:
        return session_id in _uploaders


def _forget_ended_sessions() -> None:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    runtime = Runtime.instance()
    for session_id in [s for s in _uploaders if not runtime.is_active_session(s)]:
        _uploaders.discard(session_id)


def _known_session(session_id: str) -> bool:
    """Is the session connected, or disconnected but still waiting to reconnect?"""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    manager = getattr(Runtime.instance(), "_session_mgr", None)
    if manager is None:
        return True
    return manager.get_session_info(session_id) is not None


def free_forgotten_uploads() -> int:
    """Free the uploaded files of sessions the runtime no longer knows; how many bytes."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return 0
    manager = Runtime.instance().uploaded_file_mgr
    if not isinstance(manager, MemoryUploadedFileManager):
        return 0
    with manager._lock:
        holders = list(manager.file_storage)
    freed = 0
    for session_id in holders:
        if not _known_session(session_id):
            with manager._lock:
                freed += sum(len(f.data) for f in manager.file_storage.get(session_id, {}).values())
            manager.remove_session_files(session_id)
    if freed:
        _LOG.warning("freed %d bytes of uploads left by ended sessions", freed)
    return freed


def upload_refusal(session_id: str, stored: dict[str, UploadedFileRec],
                   file: UploadedFileRec) -> tuple[int, str] | None:
    """Why ``file`` may not join the ``stored`` files of ``session_id`` (HTTP status and
    reason), or None when it may."""
    if not may_upload(session_id):
        return 403, "uploads are for editors on the upload page"
    others = {k: v for k, v in stored.items() if k != file.file_id}
    limit = MAX_SESSION_UPLOADS * int(config.get_option("server.maxUploadSize")) * 1024 * 1024
    if len(others) + 1 > MAX_FILES:
        return 413, f"at most {MAX_FILES} files per session"
    if sum(len(f.data) for f in others.values()) + len(file.data) > limit:
        return 413, f"at most {limit} bytes of uploads per session"
    return None


def install() -> None:
    """Wrap the upload store and the clear-cache handler (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    original_add = MemoryUploadedFileManager.add_file

    def guarded_add_file(self: MemoryUploadedFileManager, session_id: str,
                         file: UploadedFileRec) -> None:
        from starlette.exceptions import HTTPException

        free_forgotten_uploads()
        with _add_lock:
            with self._lock:
                stored = dict(self.file_storage.get(session_id, {}))
            refusal = upload_refusal(session_id, stored, file)
            if refusal is None:
                original_add(self, session_id, file)
                return
        _LOG.warning("upload refused (%s): %d bytes", refusal[1], len(file.data))
        raise HTTPException(status_code=refusal[0], detail=refusal[1])

    def refused_clear_cache(self: AppSession) -> None:
        _LOG.warning("clear_cache request from a browser ignored")

    def refused_git_info(self: AppSession) -> None:
        _LOG.warning("load_git_info request from a browser ignored")

    MemoryUploadedFileManager.add_file = guarded_add_file  # type: ignore[method-assign]
    AppSession._handle_clear_cache_request = refused_clear_cache  # type: ignore[method-assign]
    AppSession._handle_git_information_request = refused_git_info  # type: ignore[method-assign]
