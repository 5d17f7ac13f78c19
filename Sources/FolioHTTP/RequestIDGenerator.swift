import Synchronization

/// Request ids shaped like UUIDs: a random prefix drawn once per process and a counter.
///
/// `UUID()` asks the kernel for randomness on every request; an id only has to be unique, and
/// the random prefix keeps the ids of different processes and replicas apart.
final class RequestIDGenerator: Sendable {
    private let prefix: UInt64
    private let counter = Atomic<UInt64>(0)

    init(prefix: UInt64 = UInt64.random(in: .min ... .max)) {
        self.prefix = prefix
    }

    func next() -> String {
        let sequence = counter.wrappingAdd(1, ordering: .relaxed).newValue
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        Self.appendHex(prefix >> 32, digits: 8, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendHex(prefix >> 16, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendHex(prefix, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendHex(sequence >> 48, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        Self.appendHex(sequence, digits: 12, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        let alphabet: StaticString = "0123456789abcdef"
        for position in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = Int((value >> UInt64(position * 4)) & 0xF)
            bytes.append(alphabet.utf8Start[nibble])
        }
    }
}
