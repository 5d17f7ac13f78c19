import Foundation

/// The sandbox reads money as the real API would: JSON numbers in major units.
enum SandboxMoney {
    /// Minor units of a JSON number, rounded half-up to two decimals; nil when not a number.
    static func minor(_ value: Any?) -> Int64? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double.isFinite, abs(double) < 1e13 else { return nil }
        return Int64((double * 100).rounded(.toNearestOrAwayFromZero))
    }

    static func quantity(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        return double.isFinite ? double : nil
    }

    /// `true` and `false` arrive as NSNumbers too; `is Bool` cannot tell them from 0 and 1.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// A major-unit JSON number with trailing zeros dropped (`13740`, `1239.6`), as responses show.
    static func number(_ minor: Int64) -> NSNumber {
        minor % 100 == 0 ? NSNumber(value: minor / 100) : NSNumber(value: Double(minor) / 100)
    }

    /// VAT rates of the codes the sandbox accepts (invoicebox-api.md §11.3).
    static let vatRates: [String: Int64] = [
        "VATNONE": 0, "RUS_VAT0": 0, "RUS_VAT5": 5, "RUS_VAT7": 7, "RUS_VAT10": 10, "RUS_VAT20": 20, "RUS_VAT22": 22,
        "RUS_VAT5_ADDED": 5, "RUS_VAT7_ADDED": 7, "RUS_VAT10_ADDED": 10, "RUS_VAT20_ADDED": 20, "RUS_VAT22_ADDED": 22,
    ]

    /// `total × r / (100 + r)` to the kopeck, half-up.
    static func includedVAT(_ totalMinor: Int64, rate: Int64) -> Int64 {
        guard rate > 0 else { return 0 }
        return Int64((Double(totalMinor) * Double(rate) / Double(100 + rate)).rounded(.toNearestOrAwayFromZero))
    }
}
