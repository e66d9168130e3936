import Foundation
import ECLCore
import Testing

@Suite struct RetryPolicyTests {
    @Test func exponentialDoublesAndCaps() {
        let policy = RetryPolicy.exponential()
        #expect(policy.maxAttempts == 3)
        #expect([1, 2, 3, 4, 5].map(policy.delay(forAttempt:)) == [1, 2, 4, 8, 10])
        #expect(policy.delay(forAttempt: 40) == 10)
        #expect(policy.delay(forAttempt: 0) == 0)
    }

    @Test func linearIsConstant() {
        let policy = RetryPolicy.linear(maxAttempts: 4, delay: 0.5)
        #expect([1, 2, 3].map(policy.delay(forAttempt:)) == [0.5, 0.5, 0.5])
        #expect(policy.maxAttempts == 4)
    }

    @Test func noneTriesOnce() {
        #expect(RetryPolicy.none.maxAttempts == 1)
        #expect(RetryPolicy.none.delay(forAttempt: 1) == 0)
    }

    @Test func nonsenseIsClamped() {
        let policy = RetryPolicy(maxAttempts: 0, initialDelay: -1, maxDelay: -5, multiplier: 0.5)
        #expect(policy.maxAttempts == 1)
        #expect(policy.delay(forAttempt: 2) == 0)
        #expect(policy.multiplier == 1)
    }
}

@Suite struct IdentifierAndErrorTests {
    @Test func workflowIdParsesAndPrintsLowercase() throws {
        let id = try #require(WorkflowId("3F2B8C1E-1234-4ABC-9DEF-00112233AABB"))
        #expect(id.description == "3f2b8c1e-1234-4abc-9def-00112233aabb")
        #expect(WorkflowId("not-a-uuid") == nil)
        #expect(WorkflowId("") == nil)
        #expect(WorkflowId() != WorkflowId())
        // Written from the bytes: the same text Foundation gives, lowercased, for any id.
        for _ in 0..<200 {
            let uuid = UUID()
            #expect(WorkflowId(uuid).description == uuid.uuidString.lowercased())
        }
        #expect(WorkflowId(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF))).description == "00000000-0000-0000-0000-0000000000ff")
    }

    @Test func randomIdsAreVersion4() {
        let text = WorkflowId().description
        let version = text[text.index(text.startIndex, offsetBy: 14)]
        #expect(version == "4")
    }

    @Test func retryableCases() {
        #expect(ECLError.llm(message: "x").isRetryable)
        #expect(ECLError.llm(message: "x", status: 429).isRetryable)
        #expect(ECLError.llm(message: "x", status: 503).isRetryable)
        #expect(!ECLError.llm(message: "x", status: 400).isRetryable)
        #expect(ECLError.io("x").isRetryable)
        #expect(ECLError.timeout("x").isRetryable)
        #expect(!ECLError.validation(field: "f", message: "m").isRetryable)
        #expect(!ECLError.maxRevisionsExceeded(attempts: 3).isRetryable)
        #expect(!ECLError.config("x").isRetryable)
        #expect(!ECLError.workflowNotFound(WorkflowId()).isRetryable)
        #expect(!ECLError.stepNotFound("s").isRetryable)
    }

    @Test func errorsNameTheirValues() {
        #expect("\(ECLError.validation(field: "topic", message: "must not be empty"))".contains("topic"))
        #expect("\(ECLError.stepNotFound("critique"))".contains("critique"))
        #expect("\(ECLError.maxRevisionsExceeded(attempts: 3))".contains("3"))
    }
}

@Suite struct PromptTemplateTests {
    @Test func rendersEveryPlaceholder() {
        let template: PromptTemplate = "{topic}|{draft}|{feedback}|{attempt}|{unknown}|{"
        #expect(template.render(["topic": "T", "draft": "D", "feedback": "F", "attempt": "2"]) == "T|D|F|2|{unknown}|{")
    }

    @Test func valuesAreNotReExpanded() {
        #expect(PromptTemplate("{a}").render(["a": "{a}"]) == "{a}")
    }
}
