import CurlClient
import TestSupport
import Testing

@Suite struct CurlHTTPClientTests {
    @Test func postsTheBodyAndHeadersAndReadsTheAnswer() throws {
        let server = try LocalHTTPServer(script: [.respond(status: 201, headers: ["X-Reply": "yes"], body: "created")])
        let client = CurlHTTPClient(userAgent: "ecl-test/1")
        let response = try client.send(HTTPRequest(url: server.baseURL + "/things", headers: [("X-Custom", "v")], body: Array("payload".utf8)))
        #expect(response.status == 201)
        #expect(response.text == "created")
        #expect(response.headers["x-reply"] == "yes")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/things")
        #expect(request.text == "payload")
        #expect(request.headers["x-custom"] == "v")
        #expect(request.headers["user-agent"] == "ecl-test/1")
    }

    @Test func aBodyPastTheLimitIsCutAndTheAnswerKept() throws {
        let big = String(repeating: "x", count: 3 << 20)
        let server = try LocalHTTPServer(script: [.respond(status: 200, headers: ["X-Reply": "yes"], body: big), .respond(status: 200, body: big), .respond(status: 204)])
        let client = CurlHTTPClient()
        let cut = try client.send(HTTPRequest(url: server.baseURL + "/", maxResponseBytes: 1 << 20))
        #expect(cut.status == 200 && cut.headers["x-reply"] == "yes")
        #expect(cut.body.count == 1 << 20 && cut.bodyTruncated)
        let whole = try client.send(HTTPRequest(url: server.baseURL + "/"))
        #expect(whole.body.count == 3 << 20 && !whole.bodyTruncated)
        // The client goes on working after a transfer it stopped.
        #expect(try client.send(HTTPRequest(url: server.baseURL + "/", maxResponseBytes: 10)).status == 204)
        // The connection of the stopped transfer was closed, not reused: the next request made a new one.
        #expect(server.connectionsAccepted == 2)
    }

    @Test func reusesTheConnection() throws {
        let server = try LocalHTTPServer()
        let client = CurlHTTPClient()
        for _ in 0..<3 { _ = try client.send(HTTPRequest(url: server.baseURL + "/")) }
        #expect(server.requests.count == 3)
    }

    @Test func callsRunAtOnceAndKeepTheirConnectionsForTheNext() async throws {
        // Answers after a second: long enough for all eight to arrive first on a loaded machine.
        let server = try LocalHTTPServer(fallback: .respond(status: 200, body: "slow", after: 1))
        let client = CurlHTTPClient()
        for _ in 0..<2 {
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 { group.addTask { try await client.perform(HTTPRequest(url: server.baseURL + "/\(index)")).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8))
        }
        // The server's own record: all eight were held at once, and the second round reused the first's connections.
        #expect(server.requests.count == 16)
        #expect(server.peakConcurrentRequests == 8)
        #expect(server.connectionsAccepted == 8)
    }

    @Test func aHeaderWithALineBreakIsNeverSent() throws {
        let server = try LocalHTTPServer()
        #expect { _ = try CurlHTTPClient().send(HTTPRequest(url: server.baseURL + "/", headers: [("x-api-key", "k\r\nX-Injected: 1")])) } throws: { error in
            let error = error as? HTTPTransportError
            return error?.kind == .other && error?.message.contains("x-api-key") == true && error?.message.contains("X-Injected") == false
        }
        #expect(server.requests.isEmpty)
    }

    @Test func aHangIsATimeout() throws {
        let server = try LocalHTTPServer(script: [.hang(seconds: 3)])
        #expect { _ = try CurlHTTPClient().send(HTTPRequest(url: server.baseURL + "/", timeoutSeconds: 0.3)) } throws: { error in
            (error as? HTTPTransportError)?.kind == .timeout
        }
    }

    @Test func aDroppedConnectionIsAConnectionFailure() throws {
        let server = try LocalHTTPServer(script: [.drop])
        #expect { _ = try CurlHTTPClient().send(HTTPRequest(url: server.baseURL + "/")) } throws: { error in
            (error as? HTTPTransportError)?.kind == .connection
        }
    }

    @Test func cancellingTheTaskAbortsTheTransferInFlight() async throws {
        let server = try LocalHTTPServer(script: [.hang(seconds: 30)])
        let client = CurlHTTPClient()
        let call = Task { try await client.perform(HTTPRequest(url: server.baseURL + "/slow", timeoutSeconds: 60)) }
        // Once the server holds the request, the caller gives up.
        for _ in 0..<6000 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        try #require(!server.requests.isEmpty, "the request reached the server")
        call.cancel()
        let outcome = await call.result
        guard case .failure(let error as HTTPTransportError) = outcome else { Issue.record("\(outcome)"); return }
        #expect(error.kind == .cancelled)
    }

    @Test func asyncPerformAnswersFromAnotherThread() async throws {
        let server = try LocalHTTPServer(script: [.respond(status: 503, body: "busy")])
        let response = try await CurlHTTPClient().perform(HTTPRequest(url: server.baseURL + "/"))
        #expect(response.status == 503)
        #expect(response.text == "busy")
    }
}
