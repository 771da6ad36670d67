"""The installer recipes: NSIS script, Windows version resource, icons, the Linux
``.desktop`` entry, tarball and per-user ``install.sh``.

Built against a tiny stand-in bundle so they run in seconds; ``.ci/build_bundle.sh``
does the same against the real one.
"""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import hubdesk

ROOT = Path(__file__).resolve().parent.parent.parent
INSTALLER = ROOT / "installer"
ICONS = ROOT / "resources" / "icons"

sys.path.insert(0, str(INSTALLER))
from windows_version import version_text, version_tuple  # noqa: E402


def fake_bundle(folder: Path, exe_name: str = "hubdesk") -> Path:
    """A stand-in one-folder bundle whose executable prints a line."""
    bundle = folder / "hubdesk"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "_internal" / "resources" / "vocabularies.json").write_text("{}")
    executable = bundle / exe_name
    executable.write_text("#!/bin/sh\necho hubdesk-stand-in \"$@\"\n")
    executable.chmod(0o755)
    return bundle


def makensis(*defines: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("makensis") is None:
        pytest.skip("makensis is not installed (Debian package nsis)")
    return subprocess.run(["makensis", "-V2", "-WX", "-DNOCOMPRESS", *defines,
                           str(INSTALLER / "hubdesk.nsi")],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("with_console_twin", [False, True])
def test_nsis_script_compiles_to_a_windows_installer(tmp_path: Path,
                                                     with_console_twin: bool) -> None:
    bundle = fake_bundle(tmp_path, "hubdesk.exe")
    marker = b"stand-in for hubdesk-cli.exe"
    if with_console_twin:  # Windows builds also have hubdesk-cli.exe (build.spec)
        (bundle / "hubdesk-cli.exe").write_bytes(marker)
    target = tmp_path / "HubDesk-setup.exe"

    done = makensis(f"-DVERSION={hubdesk.__version__}", f"-DSRCDIR={bundle}",
                    f"-DOUTFILE={target}")

    assert done.returncode == 0, done.stdout + done.stderr
    assert target.read_bytes()[:2] == b"MZ"
    assert (marker in target.read_bytes()) == with_console_twin  # -DNOCOMPRESS: stored as is


def test_nsis_script_needs_a_version(tmp_path: Path) -> None:
    done = makensis(f"-DSRCDIR={fake_bundle(tmp_path)}", f"-DOUTFILE={tmp_path / 'x.exe'}")
    assert done.returncode != 0
    assert "Pass the version" in done.stdout + done.stderr


def test_nsis_uninstaller_keeps_data_unless_asked() -> None:
    script = (INSTALLER / "hubdesk.nsi").read_text(encoding="utf-8")
    uninstall = script[script.index('Section "Uninstall"'):]
    guarded = uninstall[uninstall.index("${If} $RemoveData == ${BST_CHECKED}"):
                        uninstall.index("${Else}")]
    for line in uninstall.splitlines():
        removes = line.strip().startswith(("RMDir", "Delete"))
        if removes and any(name in line for name in ("DATADIR", "DEMODIR", "DATAROOT")):
            assert line in guarded, f"data removed outside the opt-in: {line.strip()}"
    assert "RequestExecutionLevel user" in script
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\HubDesk"' in script
    assert "StrCpy $RemoveData ${BST_UNCHECKED}" in script  # the box starts unticked


def test_windows_version_resource_follows_the_package_version() -> None:
    text = version_text(hubdesk.__version__)
    ast.parse(text)  # PyInstaller evaluates it as Python
    numbers = version_tuple(hubdesk.__version__)
    assert f"filevers={numbers!r}" in text
    assert f"StringStruct('ProductVersion', '{hubdesk.__version__}')" in text
    assert version_tuple("2.10.3rc1") == (2, 10, 3, 1)
    assert version_tuple("1.0") == (1, 0, 0, 0)


def test_icons_have_the_sizes_windows_and_linux_use() -> None:
    data = (ICONS / "hubdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for index in range(count):
        width, _height, _colours, _reserved, _planes, bits, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index)
        assert bits == 32 and offset + size <= len(data)
        sizes.add(width or 256)
    assert {16, 24, 32, 48, 256} <= sizes
    png = (ICONS / "hubdesk.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (256, 256)
    assert "<svg" in (ICONS / "hubdesk.svg").read_text(encoding="utf-8")


def test_desktop_entry_is_valid() -> None:
    entry = INSTALLER / "linux" / "hubdesk.desktop"
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read(entry, encoding="utf-8")
    desktop = parser["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "hubdesk"
    assert desktop["Icon"] == "hubdesk"
    assert desktop["Terminal"] == "false"


def test_tarball_installs_for_the_user_and_uninstall_keeps_data(tmp_path: Path) -> None:
    bundle = fake_bundle(tmp_path / "dist")
    out = tmp_path / "out"
    built = subprocess.run([str(INSTALLER / "linux" / "build_tarball.sh"), str(bundle), str(out)],
                           capture_output=True, text=True, timeout=120, check=True)
    tarball = Path(built.stdout.strip())
    assert tarball.name == f"hubdesk-{hubdesk.__version__}-linux-{os.uname().machine}.tar.gz"
    # unpacked as a user would, with tar (TarFile.extractall's ``filter=`` is missing from
    # Debian 12's Python 3.11.2)
    (tmp_path / "unpacked").mkdir()
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(tmp_path / "unpacked")],
                   check=True, capture_output=True, timeout=60)
    (unpacked,) = (tmp_path / "unpacked").iterdir()

    home = tmp_path / "home"
    data = home / ".local" / "share" / "HubDesk"
    data.mkdir(parents=True)
    (data / "hubdesk.sqlite3").write_text("the user's records")
    env = {**os.environ, "HOME": str(home)}
    env.pop("HUBDESK_PREFIX", None)
    subprocess.run([str(unpacked / "install.sh")], env=env, check=True, capture_output=True,
                   timeout=60)

    lib = home / ".local" / "lib" / "hubdesk"
    launcher = home / ".local" / "bin" / "hubdesk"
    menu = home / ".local" / "share" / "applications" / "hubdesk.desktop"
    ran = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "hubdesk-stand-in --version"
    assert f'Exec="{lib}/hubdesk"' in menu.read_text(encoding="utf-8")
    assert (home / ".local/share/icons/hicolor/256x256/apps/hubdesk.png").is_file()

    subprocess.run([str(unpacked / "install.sh"), "--uninstall"], env=env, check=True,
                   capture_output=True, timeout=60)
    assert not lib.exists() and not launcher.exists() and not menu.exists()
    assert (data / "hubdesk.sqlite3").read_text() == "the user's records"
