import FolioDomain
import Foundation
import Testing

@Suite struct SecretTests {
    let canary = "canary-7f3e9b2c41d84a6f"

    @Test func everyTextualFormIsRedacted() throws {
        let secret = Secret(canary)
        var dumped = ""
        dump(secret, to: &dumped)
        let forms = [
            "\(secret)",
            String(describing: secret),
            String(reflecting: secret),
            dumped,
            "\(Optional(secret) as Any)",
            "\([secret])",
            String(decoding: try JSONEncoder().encode(["token": secret]), as: UTF8.self),
        ]
        for form in forms {
            #expect(!form.contains(canary), "\(form)")
        }
        #expect(secret.revealed == canary)
    }

    @Test func decodesFromAPlainString() throws {
        let decoded = try JSONDecoder().decode([String: Secret].self, from: Data(#"{"token":"\#(canary)"}"#.utf8))
        #expect(decoded["token"]?.revealed == canary)
    }

    @Test func showsAtMostTheLastFourCharacters() {
        #expect(Secret(canary).lastFour == "4a6f")
        #expect(Secret("short").lastFour == "")
    }
}
