"""The load's HTTP client: asyncio, raw HTTP/1.1 with keep-alive, one source address each."""

import asyncio


class Connection:
    """One kept-alive HTTP/1.1 connection from a given source address."""

    resent = 0  # GETs sent again because the server had closed the kept-alive connection

    def __init__(self, port, source):
        self.port, self.source = port, source
        self.reader = self.writer = None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.source, 0), limit=1 << 22
        )

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
            self.reader = self.writer = None

    async def send(self, raw, may_retry=True):
        """(status, headers, set-cookies, body). A GET on a kept-alive connection the server has
        closed meanwhile (idle timeout, worker restart) is sent again on a new one."""
        is_fresh = self.writer is None
        if is_fresh:
            await self._open()
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            self.close()
            nothing_back = not getattr(error, "partial", b"")
            if is_fresh or not may_retry or not nothing_back:
                raise
            Connection.resent += 1
            return await self.send(raw, may_retry=False)
        lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers, cookies = {}, []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            else:
                headers[name] = value
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        elif status in (204, 304) or status < 200:
            body = b""
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, cookies, body

    async def _chunked(self):
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
