import ECLCore
import Testing

@Suite struct CritiqueParsingTests {
    @Test func parsesAVerdict() throws {
        let critique = try Critique.parse(#"{"decision":"revise","critique":"vague","feedback":"add an example"}"#)
        #expect(critique == Critique(decision: .revise, critique: "vague", feedback: "add an example"))
    }

    @Test func acceptsFencesAndProseAround() throws {
        let critique = try Critique.parse("Here you go:\n```json\n{\"decision\":\"PASS\",\"critique\":\"good\"}\n```")
        #expect(critique.decision == .pass)
        #expect(critique.feedback == "")
    }

    @Test(arguments: [
        ("no json here", "reply"),
        (#"{"critique":"x","feedback":"y"}"#, "decision"),
        (#"{"decision":"maybe","critique":"x"}"#, "decision"),
        (#"{"decision":3,"critique":"x"}"#, "decision"),
        (#"{"decision":"pass"}"#, "critique"),
        (#"{"decision":"pass","critique":"x","feedback":7}"#, "feedback"),
        (#"{"decision":"revise","critique":"x","feedback":"  "}"#, "feedback"),
        (#"["decision"]"#, "reply"),
    ])
    func malformedRepliesNameTheField(reply: String, field: String) {
        do {
            _ = try Critique.parse(reply)
            Issue.record("accepted \(reply)")
        } catch {
            guard case .validation(let named, _) = error else { Issue.record("\(error)"); return }
            #expect(named == field)
        }
    }
}

@Suite struct OfflineProviderTests {
    let critiqueRequest = { (round: Int) in
        LLMRequest(
            systemPrompt: ToyPrompts.critiqueSystem.text,
            messages: [.user(ToyPrompts.critiqueUser.render(["attempt": "\(round)", "topic": "t", "draft": "d"]))])
    }

    @Test func criticAsksForTheConfiguredRevisions() async throws {
        let llm = OfflineLLMProvider(options: .init(revisionsBeforePass: 2))
        #expect(try Critique.parse(try await llm.complete(critiqueRequest(1)).content).decision == .revise)
        #expect(try Critique.parse(try await llm.complete(critiqueRequest(2)).content).decision == .revise)
        #expect(try Critique.parse(try await llm.complete(critiqueRequest(3)).content).decision == .pass)
    }

    @Test func repliesAreDeterministicWithUsage() async throws {
        let request = LLMRequest(messages: [.user("Write a short paragraph about: tracing")])
        let first = try await OfflineLLMProvider().complete(request)
        let second = try await OfflineLLMProvider().complete(request)
        #expect(first == second)
        #expect(first.content.hasPrefix("tracing"))
        #expect(first.usage.input > 0 && first.usage.output > 0)
    }

    @Test func faultsFollowTheSeedAndOrigin() async throws {
        let options = OfflineLLMProvider.Options(faultRate: 0.5, seed: 42, maxConsecutiveFaults: 5)
        let ids = (0..<64).map { _ in WorkflowId() }
        func pattern(_ provider: OfflineLLMProvider) async -> [Bool] {
            var failed: [Bool] = []
            for id in ids {
                let origin = LLMCallOrigin(workflowId: id, stepId: "s", executionIndex: 0, attempt: 1)
                let outcome = await LLMCallOrigin.$current.withValue(origin) {
                    (try? await provider.complete(LLMRequest(messages: [.user("x")]))) == nil
                }
                failed.append(outcome)
            }
            return failed
        }
        let first = await pattern(OfflineLLMProvider(options: options))
        let again = await pattern(OfflineLLMProvider(options: options))
        #expect(first == again)
        #expect(first.contains(true) && first.contains(false))
    }

    @Test func faultsAreTransient() async throws {
        let provider = OfflineLLMProvider(options: .init(faultRate: 1, maxConsecutiveFaults: 2))
        let id = WorkflowId()
        for attempt in 1...3 {
            let origin = LLMCallOrigin(workflowId: id, stepId: "s", executionIndex: 0, attempt: attempt)
            let result: Result<LLMResponse, ECLError> = await LLMCallOrigin.$current.withValue(origin) {
                do throws(ECLError) { return .success(try await provider.complete(LLMRequest(messages: [.user("x")]))) } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success: #expect(attempt == 3)
            case .failure(let error):
                #expect(attempt < 3)
                #expect(error.isRetryable)
            }
        }
    }
}
