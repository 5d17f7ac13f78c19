import FolioTestSupport
import Foundation
import InvoiceboxSandbox
import Logging
import NIOHTTP1
import Testing

@Suite struct SandboxBehaviourTests {
    static let logger = Logger(label: "folio.test.sandbox")

    func withSandbox(_ configuration: SandboxConfiguration = .fast, _ body: @Sendable (InvoiceboxSandbox, SandboxClient) async throws -> Void) async throws {
        let sandbox = InvoiceboxSandbox(configuration: configuration, logger: Self.logger)
        try await sandbox.withRunningServer { url in
            try await body(sandbox, SandboxClient(baseURL: url))
        }
    }

    @Test func theReferenceSignatureVectors() {
        let body = Data(
            #"{"id":"0190f1a2-3b4c-7d5e-8f60-718293a4b5c6","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"PMS-2024-000123","amount":13740,"vatAmount":2250,"currencyId":"RUB","createdAt":"2024-08-01T09:15:00+00:00"}"#
                .utf8)
        #expect(body.count == 245)
        #expect(NotificationDispatcher.signature(of: body, key: "sandbox-secret-key") == "e28c0fa01c6d6f5e62f57e11c357b872873e664a")
        #expect(NotificationDispatcher.signature(of: body, key: "098f6bcd4621d373cade4e832627b4f6") == "313f4287e30c285338e8be479c32950ee5fb13f9")
        #expect(NotificationDispatcher.signature(of: body, key: "test") == "95175d9ed3684a960c0101633439b5bd61196db2")
        let raw = Data(
            #"{"id":"ffffffff-ffff-ffff-ffff-ffffffffffff","status":"completed","merchantId":"ffffffff-ffff-ffff-ffff-ffffffffffff","merchantOrderId":"","description":"Бронь","paymentUrl":"https:\/\/pay.example\/o\/1"}"#
                .utf8)
        #expect(raw.count == 209)
        #expect(NotificationDispatcher.signature(of: raw, key: "sandbox-secret-key") == "b51a7ae40c12baaea21b505fdb30a8ae9f0ae082")
        #expect(
            NotificationDispatcher.signature(of: body, key: "sandbox-secret-key", algorithm: .sha256)
                == "be39ac255c6ac2da32930803b7f06d55e6d40befeeb9eac7077acedb156818c2")
        #expect(NotificationDispatcher.signature(of: body, key: "sandbox-secret-key", algorithm: .sha512).count == 128)
    }

    @Test func everyAnswerCarriesARequestID() async throws {
        try await withSandbox { _, client in
            let answers = [
                try await client.send(.GET, "/v3/security/api/auth/auth"),
                try await client.send(.GET, "/v3/filter/api/order/order", token: "wrong"),
                try await client.send(.POST, "/v3/billing/api/order/order", token: "b37c4c689295904ed21eee5d9a48d42e", json: ["x": 1]),
            ]
            for answer in answers {
                #expect(answer.headers.first(name: "X-Request-Id")?.isEmpty == false)
            }
            #expect(answers[0].status == 200)
            #expect((answers[0].json["data"] as? [String: Any])?["userId"] is NSNull)
            #expect(answers[1].status == 401)
            #expect(answers[1].errorCode == "unauthorized")
            #expect(answers[2].status == 422)
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        var configuration = SandboxConfiguration.fast
        configuration.requestsPerToken = 3
        try await withSandbox(configuration) { _, client in
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<5 {
                let reply = try await client.send(.GET, "/v3/filter/api/order/order", token: "b37c4c689295904ed21eee5d9a48d42e")
                statuses.append(reply.status)
                if reply.status == 429 { retryAfter = reply.headers.first(name: "Retry-After") }
            }
            #expect(statuses == [200, 200, 200, 429, 429])
            #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        }
    }

    @Test func theFilterGrammarAndBothPagingSpellings() async throws {
        try await withSandbox { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            var ids: [String] = []
            for index in 0..<4 {
                let reply = try await client.send(
                    .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "PMS-\(index)"))
                ids.append(try #require((reply.json["data"] as? [String: Any])?["id"] as? String))
            }
            try await sandbox.state.pay(orderID: ids[0])
            func count(_ query: String) async throws -> (Int, Int) {
                let reply = try await client.send(.GET, "/v3/filter/api/order/order?\(query)", token: shop.token)
                let meta = reply.json["metaData"] as? [String: Any]
                return ((reply.json["data"] as? [Any])?.count ?? -1, meta?["totalCount"] as? Int ?? -1)
            }
            #expect(try await count("status=completed") == (1, 1))
            #expect(try await count("status%5B%5D=completed&status%5B%5D=created") == (4, 4))
            #expect(try await count("status%5B0%5D=completed") == (1, 1))
            #expect(try await count("status=completed&status=created") == (4, 4))
            #expect(try await count("merchantOrderId%5B_start%5D=PMS-") == (4, 4))
            #expect(try await count("status%5B_ne%5D=completed") == (3, 3))
            #expect(try await count("pageSize=3&page=2") == (1, 4))
            #expect(try await count("_pageSize=3&_page=2") == (1, 4))
            // Bounds near now, where the offset decides: the UTC clock time of an hour ago is four
            // hours ago when read at +03:00 and two hours ahead when read at -03:00; the `+` is
            // encoded because a bare one would read as a space.
            let utc = ISO8601DateFormatter()
            utc.formatOptions = [.withInternetDateTime]
            utc.timeZone = TimeZone(identifier: "UTC")
            let hourAgo = String(utc.string(from: Date().addingTimeInterval(-3600)).dropLast())
            #expect(try await count("createdAt%5B_ge%5D=\(hourAgo)") == (4, 4))
            #expect(try await count("createdAt%5B_ge%5D=\(hourAgo)%2B00%3A00") == (4, 4))
            #expect(try await count("createdAt%5B_ge%5D=\(hourAgo)%2B03%3A00") == (4, 4))
            #expect(try await count("createdAt%5B_ge%5D=\(hourAgo)-03%3A00") == (0, 0))
            #expect(try await count("createdAt%5B_lt%5D=\(hourAgo)-03%3A00") == (4, 4))
            let refused = try await client.send(.GET, "/v3/filter/api/order/order?_order=createdAt:desc", token: shop.token)
            #expect(refused.status == 422)
            let defaultPage = try await client.send(.GET, "/v3/filter/api/order/order", token: shop.token)
            #expect((defaultPage.json["metaData"] as? [String: Any])?["pageSize"] as? Int == 30)
        }
    }

    @Test func aPaidOrderNotifiesSignedAndRetriesUntilSuccess() async throws {
        let receiver = NotificationReceiver(answers: [#"{"status":"error","code":"out_of_service"}"#, "not json", #"{"status":"success"}"#])
        try await receiver.run { hook in
            try await withSandbox { sandbox, client in
                let shop = await sandbox.state.addMerchant(notificationKey: "sandbox-secret-key")
                let created = try await client.send(
                    .POST, "/v3/billing/api/order/order", token: shop.token,
                    json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "N-1", notificationURL: hook.absoluteString)
                )
                let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
                try await sandbox.state.pay(orderID: id)
                try await receiver.waitFor(3)
                let deliveries = receiver.deliveries
                #expect(deliveries.count == 3)
                for delivery in deliveries {
                    #expect(delivery.signature == NotificationDispatcher.signature(of: delivery.body, key: "sandbox-secret-key"))
                    let body = try #require(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
                    #expect(body["id"] as? String == id)
                    #expect(body["status"] as? String == "completed")
                    #expect(body["merchantId"] as? String == shop.id)
                    #expect(body["paidAt"] != nil)
                }
                // The same notification each time, byte for byte.
                #expect(Set(deliveries.map(\.body)).count == 1)
                // The sandbox records an attempt after the receiver has answered it, and decides
                // then whether to retry: once the success is recorded, no fourth delivery follows.
                try await eventually { await sandbox.state.notificationAttempts().count >= 3 }
                let attempts = await sandbox.state.notificationAttempts()
                #expect(attempts.map(\.outcome) == ["out_of_service", "failed: not JSON", "success"])
                #expect(receiver.deliveries.count == 3)
            }
        }
    }

    /// The sandbox keeps each order's written answer; every later change must still show.
    @Test func aReadOrderAnswersWithItsLatestState() async throws {
        try await withSandbox { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            let created = try await client.send(
                .POST, "/v3/billing/api/order/order", token: shop.token, json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "R-1")
            )
            let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            func read() async throws -> [String: Any] {
                let reply = try await client.send(.GET, "/v3/billing/api/order/order/\(id)", token: shop.token)
                return try #require(reply.json["data"] as? [String: Any])
            }
            #expect(try await read()["status"] as? String == "created")
            #expect(try await read()["paidAt"] == nil)

            try await sandbox.state.pay(orderID: id)
            let paid = try await read()
            #expect(paid["status"] as? String == "completed")
            #expect(paid["paidAt"] is String)

            await sandbox.state.setPaymentPageBaseURL("https://pay.example.test")
            #expect((try await read()["paymentUrl"] as? String)?.hasPrefix("https://pay.example.test/order/") == true)

            await sandbox.state.overrideMember("description", ofOrder: id, json: #""Changed""#)
            #expect(try await read()["description"] as? String == "Changed")
        }
    }

    @Test func ordersExpireWhenTheirDeadlinePassesAndNotBefore() async throws {
        try await withSandbox { sandbox, client in
            let shop = await sandbox.state.addMerchant()
            let deadlines = ISO8601DateFormatter()
            deadlines.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            func create(_ merchantOrderID: String, expiringIn seconds: TimeInterval) async throws -> String {
                var order = SandboxClient.order(merchantID: shop.id, merchantOrderID: merchantOrderID)
                order["expirationDate"] = deadlines.string(from: Date().addingTimeInterval(seconds))
                let created = try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: order)
                return try #require((created.json["data"] as? [String: Any])?["id"] as? String)
            }
            func status(_ id: String) async throws -> String? {
                let read = try await client.send(.GET, "/v3/billing/api/order/order/\(id)", token: shop.token)
                return (read.json["data"] as? [String: Any])?["status"] as? String
            }
            // The later deadline is stored first, so the earlier one must lower what is awaited.
            let later = try await create("E-later", expiringIn: 3600)
            let sooner = try await create("E-sooner", expiringIn: 3)
            #expect(try await status(sooner) == "created")
            try await Task.sleep(for: .seconds(4))
            #expect(try await status(sooner) == "expired")
            #expect(try await status(later) == "created")
            // A deadline stored after a look that found nothing due is still met.
            let third = try await create("E-third", expiringIn: 3)
            #expect(try await status(third) == "created")
            try await Task.sleep(for: .seconds(4))
            #expect(try await status(third) == "expired")
            #expect(try await status(later) == "created")
        }
    }

    @Test func otherErrorCodesAreNotRetried() async throws {
        let receiver = NotificationReceiver(answers: [#"{"status":"error","code":"order_not_found"}"#])
        try await receiver.run { hook in
            try await withSandbox { sandbox, client in
                let shop = await sandbox.state.addMerchant()
                let created = try await client.send(
                    .POST, "/v3/billing/api/order/order", token: shop.token,
                    json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "N-2", notificationURL: hook.absoluteString)
                )
                let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
                try await sandbox.state.expire(orderID: id)
                try await receiver.waitFor(1)
                // Once the refusal is recorded the sandbox has decided not to retry it.
                try await eventually { await sandbox.state.notificationAttempts().count >= 1 }
                #expect(receiver.deliveries.count == 1)
                let body = try JSONSerialization.jsonObject(with: receiver.deliveries[0].body) as? [String: Any]
                #expect(body?["status"] as? String == "expired")
            }
        }
    }
    @Test func theKeyAndAlgorithmSetThroughTheAdminRouteSignTheNextNotification() async throws {
        let receiver = NotificationReceiver(answers: [#"{"status":"success"}"#])
        try await receiver.run { hook in
            try await withSandbox { sandbox, client in
                let shop = await sandbox.state.addMerchant()
                let path = "/__sandbox/merchants/\(shop.id)/notification-key"
                let set = try await client.send(.PUT, path, json: ["notificationKey": "rotated-key", "algorithm": "sha256"])
                #expect(set.status == 200)
                let read = try await client.send(.GET, path)
                #expect(read.json["notificationKey"] as? String == "rotated-key")
                #expect(read.json["algorithm"] as? String == "sha256")
                for (body, status) in [
                    (["notificationKey": "k", "algorithm": "md5"], 422), (["algorithm": "sha1"], 422), (["notificationKey": ""], 422),
                ] as [([String: String], Int)] {
                    #expect(try await client.send(.PUT, path, json: body).status == status, "\(body)")
                }
                let unknown = "/__sandbox/merchants/\(UUID().uuidString.lowercased())/notification-key"
                #expect(try await client.send(.PUT, unknown, json: ["notificationKey": "k"]).status == 404)

                let created = try await client.send(
                    .POST, "/v3/billing/api/order/order", token: shop.token,
                    json: SandboxClient.order(merchantID: shop.id, merchantOrderID: "N-3", notificationURL: hook.absoluteString)
                )
                let id = try #require((created.json["data"] as? [String: Any])?["id"] as? String)
                try await sandbox.state.pay(orderID: id)
                try await receiver.waitFor(1)
                let delivery = try #require(receiver.deliveries.first)
                #expect(delivery.signature?.count == 64)
                #expect(delivery.signature == NotificationDispatcher.signature(of: delivery.body, key: "rotated-key", algorithm: .sha256))
                #expect(delivery.signature != NotificationDispatcher.signature(of: delivery.body, key: "rotated-key"))
            }
        }
    }
}

/// The sandbox runs inside `folio dev`, so no order it is sent may trap it.
@Suite struct SandboxArithmeticTests {
    @Test(arguments: [1e300, 1e10, 9.3e18, 1e9 + 1])
    func aBasketLineWithAHugeQuantityIsAValidationError(quantity: Double) async throws {
        let sandbox = InvoiceboxSandbox(configuration: .fast, logger: SandboxBehaviourTests.logger)
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            var order = SandboxClient.order(merchantID: shop.id, merchantOrderID: "huge-\(quantity)")
            var item = (order["basketItems"] as! [[String: Any]])[0]
            item["quantity"] = quantity
            order["basketItems"] = [item]
            let reply = try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: order)
            #expect(reply.status == 422)
            // The sandbox is still there to answer.
            #expect(try await client.send(.GET, "/v3/security/api/auth/auth").status == 200)
        }
    }

    @Test func basketTotalsBeyondSixtyFourBitsAreAWrongTotalNotATrap() async throws {
        let sandbox = InvoiceboxSandbox(configuration: .fast, logger: SandboxBehaviourTests.logger)
        try await sandbox.withRunningServer { url in
            let client = SandboxClient(baseURL: url)
            let shop = await sandbox.state.addMerchant()
            var order = SandboxClient.order(merchantID: shop.id, merchantOrderID: "sum-overflow")
            let line: [String: Any] = [
                "sku": "S", "name": "Room", "measure": "шт.", "measureCode": "796", "quantity": 1,
                "amount": 8.9e13, "amountWoVat": 8.9e13, "totalAmount": 8.9e13, "totalVatAmount": 0,
                "vatCode": "VATNONE", "type": "service", "paymentType": "full_prepayment",
            ]
            order["basketItems"] = Array(repeating: line, count: 200)
            order["amount"] = 1.0
            order["vatAmount"] = 0
            let reply = try await client.send(.POST, "/v3/billing/api/order/order", token: shop.token, json: order)
            #expect(reply.status == 422)
        }
    }
}
