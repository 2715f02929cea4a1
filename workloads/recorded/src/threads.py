# Recorded as python-threads (workloads/recorded/README.md): three threads each start a short subprocess
# (posix_spawn: a vfork-like clone3 of a threaded process), then the main thread allocates 8 MB.
import subprocess
import threading


def run():
    subprocess.run(["true"], check=True)


threads = [threading.Thread(target=run) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
buffer = bytearray(8 << 20)
print(len(buffer))
