import CurlClient
import Testing

@Suite struct URLTextTests {
    @Test(arguments: [
        ("http://user:pw@host:8080/v1?x=1", "http://user:***@host:8080/v1?x=1"),
        ("https://TOKEN123@api.example.com/", "https://***@api.example.com/"),
        ("https://h/p?key=abc&page=2&api_key=def#frag", "https://h/p?key=***&page=2&api_key=***#frag"),
        ("http://h/?access_token=t&Password=p&flag", "http://h/?access_token=***&Password=***&flag"),
        ("http://h:4318/v1/traces", "http://h:4318/v1/traces"),
        ("notaurl", "notaurl"),
        ("http://u:p@ss@h/d", "http://u:***@h/d"),
        ("postgres://app:p/ss@db/x", "postgres://app:***@db/x"),
        ("http://u:p#ss@h", "http://u:***@h"),
    ])
    func credentialsAreShownAsStars(url: String, shown: String) {
        #expect(URLText.redacted(url) == shown)
    }

    @Test func aUserNameCanBeKeptWhereItIsOne() {
        #expect(URLText.redacted("postgres://app@db/x?password=p", keepingUserName: true) == "postgres://app@db/x?password=***")
        #expect(URLText.redacted("postgres://app:pw@db/x", keepingUserName: true) == "postgres://app:***@db/x")
    }

    @Test func urlsInsideAMessageAreRedacted() {
        #expect(
            URLText.redactingURLs(in: "cannot reach 'http://u:pw@h/?token=t' (refused), then https://k@x") ==
                "cannot reach 'http://u:***@h/?token=***' (refused), then https://***@x")
        #expect(URLText.redactingURLs(in: "no url here") == "no url here")
    }

    @Test(arguments: [
        ("https://api.anthropic.com", nil),
        ("http://user:pw@127.0.0.1:8080/base", nil),
        ("http://[::1]:9/", nil),
        ("notaurl", "not an http:// or https:// URL"),
        ("ftp://h", "not an http:// or https:// URL"),
        ("http://", "it names no host"),
        ("http://h:0", "its port is not a number from 1 to 65535"),
        ("http://h:99999", "its port is not a number from 1 to 65535"),
        ("http://h /x", "it holds a space"),
        ("http://[::1:47351/x", "its [IPv6 address] is not closed"),
        ("http://127.0.0.1:1/\u{1B}[31m", "it holds a control character"),
    ] as [(String, String?)])
    func httpURLsAreChecked(url: String, problem: String?) {
        #expect(URLText.httpProblem(url) == problem)
    }
}

@Suite struct URLTextMoreTests {
    @Test(arguments: [
        ("http://h/?%74oken=PCT&page=1", "http://h/?%74oken=***&page=1"),
        ("http://h/?a=1;token=SEMI", "http://h/?a=1;token=***"),
        ("http://h/#token=FRAG", "http://h/#token=***"),
        ("http://h/?key=A#sig=B", "http://h/?key=***#sig=***"),
        ("http://h/x;token=SEC/y?a=1", "http://h/x;token=***?a=1"),
    ])
    func otherSpellingsOfSecretsAreHidden(url: String, shown: String) {
        #expect(URLText.redacted(url) == shown)
    }

    @Test(arguments: [
        ("http://h:1", "http://h:1/v1/traces"),
        ("http://h:1/", "http://h:1/v1/traces"),
        ("http://h:1/base/?token=X", "http://h:1/base/v1/traces?token=X"),
        ("http://h:1#frag", "http://h:1/v1/traces"),
    ])
    func aPathGoesBeforeTheQuery(base: String, url: String) {
        #expect(URLText.appendingPath(base, "v1/traces") == url)
    }
}
