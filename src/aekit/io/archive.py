"""The model file container: a zip of JSON and safetensors members with checksums.

Reading checks, in order: the path exists and is a zip archive; it has a
readable ``metadata.json`` of a format version this aekit knows; every member
it lists is present and matches its SHA-256. Only then are the members parsed,
with ``json`` and ``safetensors`` (neither can run code).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from aekit._version import __version__

#: Version of the layout written by this aekit; files of a higher version are
#: refused. Bump it when a change would make older aekit misread a file.
FORMAT_VERSION = 1
FORMAT_NAME = "aekit-model"
CONFIG, WEIGHTS, METADATA = "config.json", "weights.safetensors", "metadata.json"
#: A JSON member larger than this is refused unread: configs are kilobytes, and
#: a crafted archive could otherwise inflate to exhaust memory.
MAX_JSON_BYTES = 64 * 2**20


class ModelFileError(ValueError):
    """A model file is not an aekit model file, or is damaged or inconsistent."""


class UnsupportedFormatError(ModelFileError):
    """A model file was written in a newer format than this aekit reads."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(path: str | os.PathLike) -> None:
    """Raise an OSError when a model file cannot be written at ``path``.

    Its folder must exist, and ``path`` must not be a folder nor end as a
    folder's name does (``models/``); checked before long work (training, a
    search) as well as when writing.
    """
    raw = os.fsdecode(path)
    # Path() drops a trailing separator, which would save "models/" as a file
    # named models: open() refuses such a name, and so does this.
    if os.path.basename(raw) in ("", ".", ".."):
        raise IsADirectoryError(
            errno.EISDIR, "the path names a folder, not a file; give a file name", raw
        )
    path = resolve_link(Path(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, "the folder to save the model in does not exist", str(path.parent)
        )
    if path.is_dir():
        raise IsADirectoryError(
            errno.EISDIR, "a folder has the model file's name; give a file name", str(path)
        )


def resolve_link(path: Path) -> Path:
    """The file a symbolic link at ``path`` leads to; ``path`` itself when it is no link.

    ``os.replace`` onto a link puts a plain file in the link's place: the file
    it pointed at keeps the old content, and whatever else uses the link is cut
    off from the new one. Writing to the link's target keeps the link a link.

    Raises
    ------
    OSError
        If the link leads back to itself (``errno.ELOOP``).
    """
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():
        raise OSError(errno.ELOOP, "the file name is a symbolic link that leads back to itself",
                      str(path))  # fmt: skip
    return target


def temp_beside(path: Path, suffix: str) -> Path:
    """A new empty file in ``path``'s folder, to be moved onto ``path`` once written.

    Move it with :func:`replace_keeping_mode`, which gives it the permissions
    of the file at ``path`` (``tempfile.mkstemp`` makes files only their owner
    can read, and ``os.replace`` would hand that on to the result). Until then
    it has those permissions plus its owner's right to write, so that even a
    read-only file (``0o444``) can be replaced; with no file at ``path``, it
    has those any new file gets (``0o666`` less the umask).
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) | stat.S_IWUSR
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def replace_keeping_mode(tmp: Path, path: Path) -> None:
    """Move the written file ``tmp`` (from :func:`temp_beside`) onto ``path``, atomically.

    A file already at ``path`` hands its permissions on: applied only now that
    ``tmp`` is written, since a read-only mode given before would have stopped
    the write. ``tmp`` is left in place when this fails; the caller removes it.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: tmp keeps the mode temp_beside gave it
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def write(path: str | os.PathLike, config: dict, tensors: dict[str, torch.Tensor], info: dict):
    """Write a model file atomically (a partly written file never replaces a good one).

    Parameters
    ----------
    path : str or path-like
        Destination; any name (``.aekit`` is the convention). An existing file
        keeps its permissions; a symbolic link stays one, and the file it leads
        to is written.
    config : dict
        JSON-ready content of ``config.json``.
    tensors : dict of str to torch.Tensor
        Content of ``weights.safetensors`` (CPU tensors).
    info : dict
        Extra JSON-ready entries for ``metadata.json``.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    target = resolve_link(Path(path))
    members = {
        CONFIG: json.dumps(config, indent=1, allow_nan=False).encode(),
        WEIGHTS: save_tensors(_unshared(tensors)),
    }
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "aekit_version": __version__,
        "torch_version": torch.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **info,
        "members": {name: {"sha256": _sha256(b), "size": len(b)} for name, b in members.items()},
    }
    members[METADATA] = json.dumps(meta, indent=1, allow_nan=False).encode()
    check_writable(path)
    tmp = temp_beside(target, ".tmp")
    try:
        with open(tmp, "wb") as f, zipfile.ZipFile(f, "w") as zf:
            for name in (METADATA, CONFIG, WEIGHTS):
                # Weights barely compress; storing them keeps saving and loading fast.
                kind = zipfile.ZIP_STORED if name == WEIGHTS else zipfile.ZIP_DEFLATED
                zf.writestr(name, members[name], compress_type=kind)
        replace_keeping_mode(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(path)


def _unshared(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Contiguous tensors, copied where two share memory (safetensors refuses that)."""
    out, seen = {}, set()
    for name, t in tensors.items():
        t = t.contiguous()
        ptr = t.untyped_storage().data_ptr()
        out[name] = t.clone() if ptr in seen and t.numel() else t
        seen.add(ptr)
    return out


def read(path: str | os.PathLike) -> tuple[dict, dict, dict[str, torch.Tensor]]:
    """Read and check a model file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    metadata : dict
    config : dict
    tensors : dict of str to torch.Tensor
        On the CPU.

    Raises
    ------
    FileNotFoundError
        If nothing exists at ``path``.
    OSError
        If the file cannot be read, such as a PermissionError.
    UnsupportedFormatError
        If the file's format version is newer than :data:`FORMAT_VERSION`.
    ModelFileError
        If the file is not a zip, is truncated or corrupted (a checksum or CRC
        mismatch), lacks a member, or a member cannot be parsed.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "no aekit model file at this path", str(path))
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder; an aekit model file is a single file")
    # is_zipfile answers False for any OSError: opening first lets a file that
    # cannot be read (no permission) say so instead of passing for a damaged one.
    with open(path, "rb") as f:
        is_zip = zipfile.is_zipfile(f)
    if not is_zip:
        raise ModelFileError(
            f"{path} is not an aekit model file: it is not a zip archive "
            "(it may be truncated, or a file of another kind)"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if METADATA not in names:
                raise ModelFileError(f"{path} has no {METADATA}: it is not an aekit model file")
            if zf.getinfo(METADATA).file_size > MAX_JSON_BYTES:
                raise ModelFileError(f"{path}: {METADATA} is implausibly large")
            meta = _json(zf.read(METADATA), path, METADATA)
            _check_metadata(meta, path)
            data = {}
            for name in meta["members"]:
                if name not in names:
                    raise ModelFileError(f"{path} is damaged: the member {name!r} is missing")
                if name.endswith(".json") and zf.getinfo(name).file_size > MAX_JSON_BYTES:
                    raise ModelFileError(f"{path}: {name} is implausibly large")
                data[name] = zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        # A bad CRC, undecompressable bytes or a cut-off member; RuntimeError and
        # NotImplementedError are zipfile's answers to encryption or odd compression.
        raise ModelFileError(f"{path} is damaged (truncated or corrupted): {e}") from None
    for name, entry in meta["members"].items():
        if _sha256(data[name]) != entry.get("sha256"):
            raise ModelFileError(
                f"{path} is damaged: the checksum of {name!r} does not match its metadata"
            )
    for name in (CONFIG, WEIGHTS):
        if name not in data:
            raise ModelFileError(f"{path} is damaged: the member {name!r} is missing")
    config = _json(data[CONFIG], path, CONFIG)
    try:
        tensors = load_tensors(data[WEIGHTS])
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise ModelFileError(f"{path}: {WEIGHTS} cannot be read: {e}") from None
    return meta, config, tensors


def is_model_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an aekit model file: a zip whose metadata names the format.

    A quick look for a writer about to replace the file; :func:`read` checks
    the rest (members, checksums, version).

    Raises
    ------
    OSError
        If the file cannot be opened (no permission to read it): that says
        nothing about its content.
    """
    with open(path, "rb") as f:
        try:
            with zipfile.ZipFile(f) as zf:
                if zf.getinfo(METADATA).file_size > MAX_JSON_BYTES:
                    return False
                return json.loads(zf.read(METADATA)).get("format") == FORMAT_NAME
        except (OSError, KeyError, ValueError, AttributeError, zipfile.BadZipFile):
            return False


def _json(raw: bytes, path: Path, name: str) -> dict:
    try:
        out = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{path}: {name} is not valid JSON ({e})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: {name} is nested too deeply to be an aekit file") from None
    if not isinstance(out, dict):
        raise ModelFileError(f"{path}: {name} does not hold a JSON object")
    return out


def _check_metadata(meta: dict, path: Path) -> None:
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is not an aekit model file (format {meta.get('format')!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path} has an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise UnsupportedFormatError(
            f"{path} was written by aekit {meta.get('aekit_version', '?')} in model-file format "
            f"version {version}, but this aekit ({__version__}) reads versions up to "
            f"{FORMAT_VERSION}: upgrade aekit (pip install --upgrade aekit) to load it"
        )
    members = meta.get("members")
    if not isinstance(members, dict) or not all(isinstance(v, dict) for v in members.values()):
        raise ModelFileError(f"{path}: {METADATA} has no valid member list")
