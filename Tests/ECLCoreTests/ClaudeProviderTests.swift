import ECLCore
import Foundation
import TestSupport
import Testing

@Suite struct ClaudeProviderTests {
    static let key = "sk-ant-test-SECRET-0123456789"
    static let success = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"Hello "},{"type":"text","text":"there"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":5}}"#

    func provider(_ server: LocalHTTPServer) -> ClaudeProvider {
        ClaudeProvider(configuration: .init(apiKey: Secret(Self.key), model: "claude-test", baseURL: server.baseURL, timeoutSeconds: 5))
    }

    let request = LLMRequest(systemPrompt: "Be brief.", messages: [.user("Hi")], maxTokens: 64, temperature: 0.2, stopSequences: ["END"])

    @Test func sendsTheMessagesAPIRequestAndReadsTheReply() async throws {
        let server = try LocalHTTPServer(script: [.respond(status: 200, headers: ["Content-Type": "application/json"], body: Self.success)])
        let response = try await provider(server).complete(request)
        #expect(response == LLMResponse(content: "Hello there", usage: TokenUsage(input: 12, output: 5), stopReason: "end_turn"))
        let sent = try #require(server.requests.first)
        #expect(sent.method == "POST")
        #expect(sent.path == "/v1/messages")
        #expect(sent.headers["x-api-key"] == Self.key)
        #expect(sent.headers["anthropic-version"] == "2023-06-01")
        #expect(sent.headers["content-type"] == "application/json")
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(sent.body))
        #expect(body["model"] == .string("claude-test"))
        #expect(body["max_tokens"] == .number(64))
        #expect(body["system"] == .string("Be brief."))
        #expect(body["stop_sequences"] == .array([.string("END")]))
        #expect(body["messages"] == .array([.object(["role": .string("user"), "content": .string("Hi")])]))
    }

    @Test func rateLimitIsRetriedBySteps() async throws {
        let server = try LocalHTTPServer(script: [
            .respond(status: 429, body: #"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#),
            .respond(status: 200, body: Self.success),
        ])
        let clock = ManualClock()
        let store = try SQLiteWorkflowStore(path: ":memory:")
        let id = WorkflowId()
        try await store.insertWorkflow(.init(id: id, definition: "t", state: .running, input: "{}", createdAt: clock.now(), updatedAt: clock.now()))
        let executor = StepExecutor(llm: provider(server), store: store, clock: clock)
        let execution = await executor.execute(GenerateStep(), input: TopicInput(topic: "x"), workflowId: id)
        let errors = try await store.stepExecutions(of: id).compactMap(\.error)
        guard case .success(let draft) = execution.outcome else { Issue.record("\(execution.outcome)"); return }
        #expect(draft.text == "Hello there")
        #expect(execution.metadata.attempts == 2, "\(errors)")
        #expect(execution.metadata.tokensUsed == 17)
        #expect(clock.sleeps.count == 1)
        #expect(server.requests.count == 2)
    }

    @Test func badRequestIsNotRetryableAndNamesTheStatus() async throws {
        let server = try LocalHTTPServer(script: [
            .respond(status: 400, body: #"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}}"#),
        ])
        do {
            _ = try await provider(server).complete(request)
            Issue.record("a 400 was accepted")
        } catch {
            #expect(error == .llm(message: "invalid_request_error: max_tokens: too large", status: 400))
            #expect(!error.isRetryable)
        }
    }

    @Test func serverErrorsAreRetryable() async throws {
        let server = try LocalHTTPServer(script: [.respond(status: 529, body: "overloaded")])
        await #expect { try await provider(server).complete(request) } throws: { error in
            (error as? ECLError)?.isRetryable == true && "\(error)".contains("529")
        }
    }

    @Test func malformedBodyIsAnLLMError() async throws {
        let server = try LocalHTTPServer(script: [.respond(status: 200, body: "{\"content\": 5}")])
        do {
            _ = try await provider(server).complete(request)
            Issue.record("a malformed body was accepted")
        } catch {
            guard case .llm(let message, 200) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("malformed"))
        }
    }

    @Test func theKeyNeverLeaks() async throws {
        // A server that echoes the key back must not get it into the error.
        let server = try LocalHTTPServer(script: [
            .respond(status: 401, body: #"{"type":"error","error":{"type":"authentication_error","message":"bad key \#(Self.key)"}}"#),
        ])
        let provider = provider(server)
        do {
            _ = try await provider.complete(request)
            Issue.record("a 401 was accepted")
        } catch {
            #expect(!"\(error)".contains(Self.key))
            #expect("\(error)".contains("<redacted>"))
        }
        var dumped = ""
        dump(provider, to: &dumped)
        #expect(!dumped.contains(Self.key))
        #expect(!"\(provider.configuration)".contains(Self.key))
    }

    @Test func unreachableServerIsRetryable() async throws {
        let server = try LocalHTTPServer()
        let url = server.baseURL
        server.stop()
        let provider = ClaudeProvider(configuration: .init(apiKey: Secret(Self.key), baseURL: url, timeoutSeconds: 5))
        await #expect { try await provider.complete(request) } throws: { error in
            (error as? ECLError)?.isRetryable == true && "\(error)".contains("cannot reach")
        }
    }

    @Test func configurationComesFromTheEnvironment() throws {
        let configuration = try ClaudeProvider.Configuration.fromEnvironment(["ANTHROPIC_API_KEY": "k", "ANTHROPIC_MODEL": "m"])
        #expect(configuration.model == "m")
        #expect(try ClaudeProvider.Configuration.fromEnvironment(["ANTHROPIC_API_KEY": "k"], model: "flag").model == "flag")
        #expect(throws: ECLError.self) { try ClaudeProvider.Configuration.fromEnvironment([:]) }
    }
}
