#!/usr/bin/env python3
"""Loads a local HTML file in headless Chromium and says what the browser saw, as one JSON object.

    browser_check.py PAGE.html SCREENSHOT.png [--eval NAME=JS]... [--focus CSS]

Chromium is driven over its DevTools protocol on a pipe (--remote-debugging-pipe: file descriptors 3 and 4,
messages ended by NUL), so nothing but the standard library is needed. The page is loaded from the file with
networking refused (any fetch would be a console error), then:
- "errors": every console error or warning, uncaught exception and browser log entry of level error;
- "requests": every URL the page asked for other than itself;
- each --eval NAME=JS expression's value (JSON), evaluated in the page after load;
- with --focus CSS: the element is focused (as by the keyboard) and "focused" holds --eval's values again
  under the key "after_focus";
- the screenshot (PNG) is written to SCREENSHOT.png, and "screenshot" holds its size and how many of its
  sampled pixels are not the page's background (a blank page has none).
"""
import json
import os
import select
import signal
import shutil
import subprocess
import sys
import tempfile
import time
import base64
import struct
import zlib


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("browser_check: no chromium on PATH (make test installs Debian's chromium)")


class DevTools:
    def __init__(self, process, write_fd, read_fd):
        self.process, self.write_fd, self.read_fd = process, write_fd, read_fd
        self.next_id, self.buffer, self.events = 0, b"", []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def wait(self, matches, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, message in enumerate(self.events):
                if matches(message):
                    del self.events[i]
                    if "error" in message:
                        raise RuntimeError(json.dumps(message["error"]))
                    return message
            left = deadline - time.time()
            # Never blocked on a read: a browser that stops answering is a timeout, not a hang.
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError("no answer from chromium within %d s" % timeout)
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
            *messages, self.buffer = self.buffer.split(b"\0")
            self.events.extend(json.loads(m) for m in messages if m)


def png_pixels(data):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB or RGBA PNG, the form Chromium writes."""
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8
    chunks, offset = b"", 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw, stride, rows, previous = zlib.decompress(chunks), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1: line[x] = (line[x] + a) & 255
            elif kind == 2: line[x] = (line[x] + b) & 255
            elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    page, screenshot = os.path.abspath(args[0]), args[1]
    expressions, focus = {}, None
    rest = args[2:]
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--eval":
            name, _, expression = value.partition("=")
            expressions[name] = expression
        elif flag == "--focus":
            focus = value
    profile = tempfile.mkdtemp(prefix="browser-check-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds():
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    process = subprocess.Popen(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
         "--no-first-run", "--no-default-browser-check", f"--user-data-dir={profile}",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--window-size=1280,900", "about:blank"],
        pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    tools = DevTools(process, to_chrome_w, from_chrome_r)
    result = {"errors": [], "requests": []}
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.send(f"{domain}.enable", session=session)
        tools.send("Emulation.setDeviceMetricsOverride",
                   {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        url = "file://" + page
        tools.send("Page.navigate", {"url": url}, session=session)
        tools.wait(lambda m: m.get("method") == "Page.loadEventFired")
        time.sleep(0.3)  # let late console messages arrive before they are read

        def evaluate(expression):
            answer = tools.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            if "exceptionDetails" in answer["result"]:
                return {"exception": answer["result"]["exceptionDetails"].get("text")}
            return answer["result"]["result"].get("value")

        for name, expression in expressions.items():
            result[name] = evaluate(expression)
        if focus:
            evaluate(f"document.querySelector({json.dumps(focus)}).focus()")
            time.sleep(0.1)
            result["after_focus"] = {name: evaluate(e) for name, e in expressions.items()}
            evaluate("document.activeElement && document.activeElement.blur()")
        height = evaluate("Math.ceil(document.documentElement.scrollHeight)") or 900
        shot = tools.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": min(height, 8000), "scale": 1}}, session=session)
        data = base64.b64decode(shot["result"]["data"])
        with open(screenshot, "wb") as file:
            file.write(data)
        width, height, channels, rows = png_pixels(data)
        background = tuple(rows[0][0:3])
        drawn = sum(1 for y in range(0, height, 4) for x in range(0, width, 4)
                    if tuple(rows[y][x * channels:x * channels + 3]) != background)
        result["screenshot"] = {"width": width, "height": height, "drawn_samples": drawn}
        for message in tools.events:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                result["errors"].append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                result["errors"].append("exception: " + str(details.get("exception", {}).get("description", details.get("text"))))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                result["errors"].append("log: " + params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                requested = params.get("request", {}).get("url", "")
                if requested != url:
                    result["requests"].append(requested)
    finally:
        try:
            tools.send("Browser.close")
        except Exception:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # The browser's helper processes too (its own session): none outlives the check.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
