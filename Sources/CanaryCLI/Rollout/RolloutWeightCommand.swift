import ArgumentParser
import CanaryAPI
import Foundation

/// `canary rollout weight ID PERCENT`: sets the canary's share by hand.
struct RolloutWeightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weight",
        abstract: "Set the canary's share of traffic by hand (the rollout then holds there).",
        discussion: """
            PERCENT is 0…100, with or without a '%' sign, down to 0.0001 (one part per million): \
            '5', '5%', '0.1%'. Exit 1 with the coordinator's reason when the phase forbids it.
            """)

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id.", valueName: "id"))
    var id: String

    @Argument(help: ArgumentHelp("The canary's share: 5, 5% or 0.1%.", valueName: "percent"))
    var percent: String

    func validate() throws {
        _ = try Self.partsPerMillion(percent)
    }

    func run() async throws {
        let ppm = try Self.partsPerMillion(percent)
        try await RolloutOperatorCall.run(options) { [id] client throws(APIClientError) in
            try await client.setWeight(WeightRequest(weightPPM: ppm), rolloutID: id)
        }
    }

    /// Parses `5`, `5%`, `0.1 %` into parts per million, exactly (no binary
    /// floating-point rounding: 0.1 % is 1 000 ppm, not 999).
    static func partsPerMillion(_ text: String) throws(ValidationError) -> UInt32 {
        var number = text.trimmingCharacters(in: .whitespaces)
        if number.hasSuffix("%") { number = String(number.dropLast()).trimmingCharacters(in: .whitespaces) }
        guard let value = Decimal(string: number, locale: Locale(identifier: "en_US_POSIX")),
              number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), !number.isEmpty
        else {
            throw ValidationError("the weight must be a percentage like 5, 5% or 0.1%, got '\(text)'")
        }
        guard value >= 0, value <= 100 else {
            throw ValidationError("the weight must be between 0 and 100 %, got '\(text)'")
        }
        let ppm = value * 10_000
        guard ppm == ppm.rounded0 else {
            throw ValidationError("the weight's finest step is 0.0001 % (one part per million), got '\(text)'")
        }
        return UInt32(truncating: ppm as NSDecimalNumber)
    }
}

private extension Decimal {
    /// Rounded to a whole number (Foundation's NSDecimalRound, exact).
    var rounded0: Decimal {
        var input = self
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .plain)
        return result
    }
}
