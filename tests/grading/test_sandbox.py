"""The sandbox of a grading kernel: what it can see, reach and use."""

import contextlib
import hashlib
import os
import socket
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

import course_config
from autograder.grading import sandbox
from autograder.grading.execute import Limits, execute
from autograder.workbench import Workbench
from tests.conftest import REPO

LIMITS = Limits(cell_s=60, notebook_s=300)
pytestmark = pytest.mark.skipif(sandbox.support().warnings != [],
                                reason="this machine cannot give the full sandbox")


def run(sources: list[str], tmp_path, limits: Limits = LIMITS, data=None):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    log = execute(nb, tmp_path / "work", tmp_path / "probes", limits, data=data)
    return [_text(cell) for cell in nb.cells], log


def _text(cell) -> str:
    return "".join(o.get("text", "") if o.output_type == "stream" else
                   f"{o.get('ename')}: {o.get('evalue')}" if o.output_type == "error" else
                   o.get("data", {}).get("text/plain", "") for o in cell.outputs).strip()


def test_the_kernel_is_an_unprivileged_user_without_capabilities(tmp_path):
    out, _ = run(["import os; print(os.getuid(), os.getgid(), os.getgroups())",
                  "print([l for l in open('/proc/self/status') if l.startswith('CapEff')][0])",
                  "print(os.getpid())"], tmp_path)
    first, count = course_config.SANDBOX_UIDS
    uid, gid, groups = out[0].split(" ", 2)
    assert first <= int(uid) < first + count and gid == uid and groups == "[]"
    assert out[1] == "CapEff:\t0000000000000000"
    assert int(out[2]) < 10  # its own PID namespace


def test_no_two_grading_processes_share_a_kernel_user(monkeypatch):
    users = set()
    slots = range(course_config.SANDBOX_SLOTS)
    for pid in (2, 502, 1002, 32768, 2**22 - 1):  # 1000 users gave 2 and 502 the same
        monkeypatch.setattr(os, "getpid", lambda pid=pid: pid)
        users |= {sandbox.kernel_uid(slot) for slot in slots}
    first, count = course_config.SANDBOX_UIDS
    assert len(users) == 5 * len(slots) and all(first <= uid < first + count for uid in users)


def test_kernels_alive_at_once_in_one_process_never_share_a_user(tmp_path, monkeypatch):
    """Worker threads of one process (as in the tests' cluster) each keep a kernel started
    ahead: every live sandbox has a user of its own, a closed one frees its user, and a kernel
    past the process's slots is reported, not run."""
    monkeypatch.setattr(sandbox, "_SLOTS", sandbox._Slots())  # a process with no kernels yet
    with contextlib.ExitStack() as stack:
        boxes = [stack.enter_context(sandbox.Sandbox(tmp_path / str(n), []))
                 for n in range(course_config.SANDBOX_SLOTS)]
        assert len({box.uid for box in boxes}) == len(boxes)
        out, log = run(["print('ran')"], tmp_path / "extra")
        assert out == [""] and log.stopped == (
            "the notebook's kernel could not start "
            f"(this grading process already runs {len(boxes)} kernels, its most)")
        freed = boxes.pop()
        freed.__exit__(None, None, None)
        with sandbox.Sandbox(tmp_path / "again", []) as again:
            assert again.uid == freed.uid and again.uid not in {box.uid for box in boxes}


def test_the_course_and_the_hosts_tmp_are_out_of_sight(tmp_path):
    marker = tmp_path / "grader-only.txt"
    marker.write_text("secret")
    paths = [REPO / course_config.SOURCE_DIR / "cnn_mnist" / "cnn_mnist.ipynb",
             REPO / course_config.GRADEBOOK_FILE, REPO / "tests", marker]
    out, _ = run([f"import os; print(os.path.exists({str(p)!r}))" for p in paths]
                 + ["print(sorted(os.listdir('/tmp')))"], tmp_path)
    assert out[:4] == ["False"] * 4
    assert "grader-only.txt" not in out[4]


def test_no_held_out_test_image_is_anywhere_a_kernel_can_read(tmp_path):
    bench = Workbench(hold_out=True)
    search = (  # every .npz the kernel can open, and every 28 x 28 image in it
        "import hashlib, os, numpy as np\nseen, files = set(), []\n"
        "for top, dirs, names in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(top, d) not in ('/proc', '/sys', '/dev')]\n"
        "    for name in names:\n"
        "        if name.endswith('.npz'):\n"
        "            try:\n"
        "                with np.load(os.path.join(top, name)) as archive:\n"
        "                    arrays = [archive[key] for key in archive.files]\n"
        "            except Exception:\n"
        "                continue\n"
        "            files.append(os.path.join(top, name))\n"
        "            for array in arrays:\n"
        "                if array.ndim == 3 and array.shape[1:] == (28, 28):\n"
        "                    seen.update(hashlib.sha1(i.tobytes()).hexdigest() for i in array)\n"
        "open('seen.txt', 'w').write('\\n'.join(sorted(seen)))\nprint(len(files) > 0)",
        "from autograder.data import load_mnist\n_, (x_test, _) = load_mnist()\nprint(len(x_test))")
    out, _ = run(list(search), tmp_path, data=bench.kernel_data())
    assert out == ["True", "5000"]
    seen = set((tmp_path / "work" / "seen.txt").read_text().split())
    assert len(seen) > 60000  # it found the training and the given test images
    held = {hashlib.sha1(image.tobytes()).hexdigest() for image in bench.raw_held}
    assert seen.isdisjoint(held)


def test_no_network_not_even_the_hosts_loopback(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        out, _ = run([f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)"],
                     tmp_path)
    assert out[0].startswith(("ConnectionRefusedError", "OSError"))


def test_its_own_folder_is_writable_and_big_files_are_refused(tmp_path):
    out, log = run(["open('model.keras', 'wb').write(b'x' * 1000)",
                  "f = open('huge.bin', 'wb')\n"
                  f"f.seek({course_config.KERNEL_MAX_FILE_BYTES})\nf.write(b'x')\nf.flush()"],
                 tmp_path)
    assert out[0] == "1000"
    assert out[1] == "OSError: [Errno 27] File too large"
    assert log.notes == ["cell 2 tried to write a file larger than 256 MB, the limit; the write "
                         "failed"]
    assert (tmp_path / "work" / "model.keras").stat().st_size == 1000


def test_forks_stop_at_the_process_limit_and_nothing_outlives_the_kernel(tmp_path):
    out, _ = run(["import os; print(os.getuid())",
                  "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                  "            time.sleep(600)\n            os._exit(0)\n        n += 1\n"
                  "except OSError as error:\n    print(n < 256, type(error).__name__)",
                  "print('still here')"], tmp_path)
    assert out[1:] == ["True BlockingIOError", "still here"]
    own = int(out[0])  # kernels started ahead by this process's workers run as other users
    assert [pid for pid in os.listdir("/proc") if pid.isdigit() and _running(pid, own)] == []


def _running(pid: str, uid: int) -> bool:
    """Whether process ``pid`` runs as ``uid`` and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return os.stat(f"/proc/{pid}").st_uid == uid and state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def test_a_memory_bomb_kills_the_kernel_with_a_plain_reason(tmp_path):
    limit = course_config.KERNEL_MEMORY_BYTES
    out, log = run([f"hog = b'x' * {limit + 2**30}", "print('never')"], tmp_path)
    assert log.stopped == ("the kernel died while running cell 1 (it used more than its memory "
                           f"limit of {limit / 1024**3:g} GB)")
    assert out[1] == ""


def test_output_past_the_limit_is_cut_with_a_note(tmp_path):
    limits = Limits(cell_s=60, notebook_s=300, output_bytes=8 * 1024)
    out, log = run(["for i in range(2000): print('x' * 100)", "print('later')"], tmp_path, limits)
    note = "[output cut: the notebook printed more than 8 kB; the rest was dropped]"
    assert out[0].endswith(note) and len(out[0]) <= 8 * 1024 + len(note) + 1
    assert out[1] == ""
    assert log.notes == ["the notebook printed more than 8 kB; the rest of its output was dropped"]
