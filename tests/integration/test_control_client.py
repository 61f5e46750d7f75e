"""The control socket's client (`sozialbot backup`, `status`) when the bot goes away in the
middle: an error it can report, never a silent death by SIGPIPE."""

import subprocess
import sys
import textwrap
from pathlib import Path

CLIENT = textwrap.dedent("""
    import signal, socket, sys, threading
    from pathlib import Path
    from bot.control import SOCKET, request

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as bot.cli.main does
    directory = Path(sys.argv[1])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(directory / SOCKET))
    server.listen(1)

    def killed_bot():  # takes the connection, then is gone
        connection, _ = server.accept()
        connection.close()

    threading.Thread(target=killed_bot).start()
    try:
        request(directory, "backup", padding="x" * 8_000_000)
    except OSError as error:
        print("reported:", type(error).__name__)
""")


def test_a_bot_gone_while_the_request_is_sent_is_reported(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CLIENT, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout.startswith("reported:"), done.stdout
