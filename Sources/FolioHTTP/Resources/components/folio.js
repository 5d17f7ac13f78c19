// Folio web components: a hotel's invoicing, embedded in the pages of the platform that hosts it.
// 1. The host's backend mints a session: POST /v1/tenants/{tenantId}/sessions with its platform key.
// 2. The page loads this module: <script type="module" src="{scriptUrl}"></script>.
// 3. Each element gets the token: <folio-invoice-list session="{token}"></folio-invoice-list>.

export const version = "0.1.0";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const LOCALES = { en: "en-GB", ru: "ru-RU", pl: "pl-PL" };
/** The providers a host may offer in <folio-enable-invoicing provider="…">. */
const PROVIDERS = new Set(["invoicebox", "fakturownia"]);
const STATUSES = ["pending", "open", "held", "partially_paid", "paid", "canceled", "expired", "failed", "partially_refunded", "refunded", "reversed"];
const PAYABLE = new Set(["pending", "open", "partially_paid"]);
/** Statuses still waiting for the provider: a held invoice is captured or released later, a
 * partly paid one is paid in full or voided later. */
const UNSETTLED = new Set([...PAYABLE, "held"]);
const PAGE_SIZE = 10;
const INVITE_INTERVAL_MS = 60_000;
// The HMAC names as the Invoicebox cabinet shows them; the same in every language.
const KEY_ALGORITHMS = { sha1: "HMAC-SHA1", sha256: "HMAC-SHA256", sha512: "HMAC-SHA512" };
const DEFAULT_KEY_ALGORITHM = "sha1";
// How long a replaced key still verifies notifications (graceSeconds); the API allows up to a week.
const KEY_GRACE_PERIODS = [0, 3600, 86_400, 604_800];
// setTimeout fires at once for delays above 2^31 - 1 ms, so a longer wait is not scheduled at all.
const LONGEST_TIMER_MS = 2 ** 31 - 1;
// The origin that served this module is where its API lives unless the host says otherwise.
const DEFAULT_API_BASE = new URL(import.meta.url).origin;

// ---------------------------------------------------------------------------------------------
// Texts (English, Russian and Polish; the keys are shared)
// ---------------------------------------------------------------------------------------------

const TEXT = {
    en: {
        loading: "Loading…",
        waiting: "Waiting for a session…",
        sessionExpired: "Your session has expired",
        sessionExpiredHint: "Reload the page to continue.",
        retry: "Try again",
        enableHeading: "Enable invoicing",
        enableIntro:
            "Send guests a payment link and a QR code for each reservation. Invoicebox, our payment partner, will e-mail you an invitation.",
        email: "Work e-mail",
        sendInvitation: "Send invitation",
        connectExisting: "Connect an existing shop",
        invitedHeading: "Check your e-mail",
        invitedIntro: (email) => `We sent an invitation to ${email}. Enter the activation code from that e-mail.`,
        activationCode: "Activation code",
        activate: "Activate",
        sendAgain: "Send again",
        resendAt: (time) => `You can send the invitation again at ${time}.`,
        resendNow: "No e-mail? You can send the invitation again.",
        connectHeading: "Connect an existing shop",
        connectIntro: "Already have an Invoicebox shop? Enter its merchant ID and API token from the Invoicebox cabinet.",
        merchantId: "Merchant ID",
        apiToken: "API token",
        notificationKey: "Notification key (optional)",
        connectShop: "Connect shop",
        back: "Back",
        activeHeading: "Invoicing is on",
        activeIntro: "Guests can pay their invoices online.",
        tokenEnding: (four) => `ending in ${four}`,
        notificationUrl: "Notification URL",
        notificationUrlHint: "Enter this address in the Invoicebox cabinet so that payments show up here at once.",
        copy: "Copy",
        copied: "Copied",
        copySelected: "The address is selected: press Ctrl+C (⌘C on a Mac) to copy it.",
        notificationKeyLabel: "Notification key",
        keySet: "Set",
        keyNotSet: "Not set",
        previousKeyValidUntil: "Previous key valid until",
        setKey: "Set notification key",
        replaceKey: "Replace notification key",
        removeKey: "Remove notification key",
        keyField: "Notification key",
        keyHint: "The key from the notification settings of the Invoicebox cabinet.",
        keyAlgorithm: "Signature algorithm",
        keyAlgorithmHint: "Choose the algorithm selected in the Invoicebox cabinet: they must match.",
        defaultAlgorithm: (name) => `${name} (default)`,
        keyGrace: "Keep the old key valid for",
        keyGraceHint: "Until then, notifications signed with the old key are accepted too.",
        gracePeriods: { 0: "None", 3600: "1 hour", 86400: "1 day", 604800: "7 days" },
        saveKey: "Save key",
        cancel: "Cancel",
        removeKeyConfirm:
            "Remove the notification key? Payment notifications will then be confirmed with Invoicebox instead of by their signature. A previous key still valid is removed too.",
        yesRemove: "Yes, remove",
        keepKey: "Keep the key",
        announceKeySaved: "Notification key saved.",
        announceKeyRemoved: "Notification key removed.",
        activeSince: "On since",
        disable: "Disable invoicing",
        disableConfirm:
            "Disable invoicing? You cannot send new invoices until you enable it again. Existing invoices stay visible.",
        yesDisable: "Yes, disable",
        keepOn: "Keep it on",
        announceInvited: (email) => `Invitation sent to ${email}.`,
        announceActivated: "Invoicing is on.",
        announceDisabled: "Invoicing is off.",
        announceCopied: "Notification URL copied.",
        fakturowniaEnableHeading: "Enable invoice management",
        fakturowniaEnableIntro:
            "Issue a VAT invoice for each reservation in Fakturownia. We open a Fakturownia account for your hotel, and you can sign in to it at any time.",
        accountPrefix: "Account prefix",
        accountPrefixHint:
            "The first part of the account's address, e.g. hotel-aurora: 3 to 40 lowercase letters, digits and hyphens. If it is taken, Fakturownia grants a similar one.",
        ownerEmailHint: "The account's owner: Fakturownia writes to this address.",
        companyName: "Company name",
        companyNameHint: "As it appears on your invoices.",
        taxNumber: "Tax ID (NIP, optional)",
        openAccount: "Open account",
        fakturowniaConnectExisting: "Connect an existing Fakturownia account",
        fakturowniaConnectIntro:
            "Already invoicing in Fakturownia? Enter your account's prefix and the API token from Settings › Account settings › Integration.",
        connectPrefixHint: "The first part of your account's address: hotel-aurora in hotel-aurora.fakturownia.pl.",
        connectAccount: "Connect account",
        fakturowniaActiveHeading: "Invoice management is on",
        fakturowniaActiveIntro: "Invoices for your guests are issued in your Fakturownia account.",
        accountAddress: "Account address",
        webhooks: "Webhooks",
        webhookCount: (count) => `${count} registered`,
        webhooksHint: "Payments and changes made in Fakturownia show up here at once.",
        logIn: "Log in to Fakturownia",
        opensInNewTab: "(opens in a new tab)",
        prefixGranted: (granted, requested) => ["The prefix ", requested, " was taken, so Fakturownia granted ", granted, ": your account's address uses it."],
        announceAccountOpened: (prefix) => `Invoice management is on. Your Fakturownia account's prefix is ${prefix}.`,
        announceAccountConnected: "Invoice management is on.",
        invoices: "Invoices",
        status: "Status",
        allStatuses: "All",
        reservation: "Reservation",
        filter: "Filter",
        pages: "Pages",
        newer: "Newer",
        older: "Older",
        empty: "No invoices yet.",
        emptyFiltered: "No invoices match these filters.",
        pay: "Pay",
        qrAlt: "Payment QR code",
        documentNumber: "Invoice No.",
        proformaNumber: "Proforma No.",
        pdf: "PDF",
        viewInvoice: "View invoice",
        ofDocument: (number) => `, invoice ${number}`,
        rowHint: "Press Enter to open the invoice.",
        statusChanged: (reservation, status) => `Invoice for reservation ${reservation}: ${status}.`,
        invoiceHeading: (reservation) => `Invoice for reservation ${reservation}`,
        lines: "Lines",
        item: "Item",
        quantity: "Qty",
        unitPrice: "Unit price",
        vat: "VAT",
        vatAmount: "VAT amount",
        lineAmount: "Amount",
        total: "Total",
        vatTotal: "Including VAT",
        refunded: "Refunded",
        history: "History",
        noHistory: "No events yet.",
        checkout: "Guest checkout page",
        cancelInvoice: "Cancel invoice",
        cancelConfirm: "Cancel this invoice? The guest will no longer be able to pay it.",
        yesCancel: "Yes, cancel",
        keepInvoice: "Keep invoice",
        announceCanceled: "The invoice is canceled.",
        notFound: "Invoice not found.",
        noInvoice: "No invoice selected.",
        createdAt: "Created",
        expiresAt: "Pay by",
        paidAt: "Paid",
        canceledAt: "Canceled",
        statuses: {
            pending: "Pending",
            open: "Open",
            held: "Funds held",
            partially_paid: "Partly paid",
            paid: "Paid",
            canceled: "Canceled",
            expired: "Expired",
            failed: "Failed",
            partially_refunded: "Partly refunded",
            refunded: "Refunded",
            reversed: "Payment reversed",
        },
        events: {
            "invoice.created": "Invoice sent",
            "invoice.held": "Funds held on the guest's card",
            "invoice.partially_paid": "Partly paid",
            "invoice.fulfilled": "Stay reported rendered",
            "invoice.document_issued": "VAT invoice issued",
            "invoice.paid": "Paid",
            "invoice.canceled": "Canceled",
            "invoice.expired": "Expired unpaid",
            "invoice.failed": "Refused by the payment service",
            "invoice.refunded": "Refund started",
            "invoice.updated": "Invoice changed",
            "invoice.reversed": "Payment returned to the guest",
            "refund.completed": "Refund completed",
            "refund.canceled": "Refund canceled",
        },
        vatCodes: {
            VATNONE: "No VAT",
            RUS_VAT0: "0%",
            RUS_VAT5: "5%",
            RUS_VAT7: "7%",
            RUS_VAT10: "10%",
            RUS_VAT20: "20%",
            RUS_VAT22: "22%",
            PL_VAT23: "23%",
            PL_VAT8: "8%",
            PL_VAT5: "5%",
            PL_VAT0: "0%",
            PL_ZW: "Exempt (zw.)",
            PL_NP: "Not subject to VAT (np.)",
        },
        fields: {
            "/email": "Work e-mail",
            "/activationCode": "Activation code",
            "/merchantId": "Merchant ID",
            "/token": "API token",
            "/notificationKey": "Notification key",
            "/key": "Notification key",
            "/algorithm": "Signature algorithm",
            "/graceSeconds": "Keep the old key valid for",
            "/fakturownia/prefix": "Account prefix",
            "/fakturownia/email": "Work e-mail",
            "/fakturownia/company/name": "Company name",
            "/fakturownia/company/taxNumber": "Tax ID (NIP)",
            "/fakturownia/apiToken": "API token",
        },
        problems: {
            session_expired: "Your session has expired",
            invalid_session: "This page could not be verified. Reload the page to sign in again.",
            session_forbidden: "This page is not allowed to do that. Please contact your platform's support.",
            forbidden: "This page is not allowed to do that. Please contact your platform's support.",
            tenant_not_found: "This hotel's account was not found.",
            invite_too_soon: ({ time }) =>
                time ? `An invitation was sent moments ago. You can send another at ${time}.` : "An invitation was sent moments ago. Please wait a minute.",
            too_many_attempts: ({ time }) =>
                time ? `Too many attempts. Please try again at ${time}.` : "Too many attempts. Please try again later.",
            activation_code_rejected: "That activation code was not accepted. Check the code in the e-mail and try again.",
            not_invited: "Send an invitation first.",
            merchant_already_connected: "This shop is already connected to another hotel.",
            invalid_credentials: "The API token was not accepted for this shop. Check the token in the Invoicebox cabinet.",
            merchant_not_owned: "This API token belongs to another shop. Check the merchant ID.",
            validation_failed: "Please check these fields:",
            invoicing_has_open_invoices: ({ count }) =>
                `${count} invoice(s) are still waiting for payment. Cancel them, or wait until they are paid or expire, then disable invoicing.`,
            invoicing_active: "Invoicing is already on.",
            invoicing_not_active: "Invoicing is not on yet.",
            invoicing_not_configured: "Invoicing cannot be set up right now. Please contact your platform's support.",
            invoice_not_cancelable: "This invoice can no longer be canceled.",
            invoice_not_sendable: "This invoice has no document that can be sent: it is not issued, or no longer valid.",
            invoice_not_payable: "This invoice takes no more payments: it is paid in full, canceled or expired.",
            invoice_not_found: "Invoice not found.",
            not_supported_by_provider: "Your invoicing provider does not offer this.",
            provider_not_configured: "This invoicing provider is not set up on the platform yet. Please contact your platform's support.",
            idempotency_key_in_flight: "The previous attempt is still running. Please wait a moment and try again.",
            provider_unavailable: "The payment service is not answering. Please try again in a few minutes.",
            provider_rejected: "The payment service refused the request.",
            provider_conflict: "The payment service reported a conflict. Reload and try again.",
            service_unavailable: "Invoicing is unavailable for a moment. Please try again in a few minutes.",
            network_error: "No connection to the invoicing service. Check your internet connection.",
            internal_error: "Something went wrong. Please try again.",
            fallback: "The request failed.",
        },
        // Where Fakturownia's words differ from the problems above (which name Invoicebox's cabinet and shops).
        fakturowniaProblems: {
            invalid_credentials:
                "Fakturownia did not accept this API token for the account. Check the prefix and the token in Settings › Account settings › Integration.",
            merchant_already_connected: "This Fakturownia account is already connected to another hotel.",
            merchant_not_owned: "This API token belongs to another Fakturownia account. Check the prefix.",
        },
    },
    ru: {
        loading: "Загрузка…",
        waiting: "Ожидание сеанса…",
        sessionExpired: "Сеанс истёк",
        sessionExpiredHint: "Обновите страницу, чтобы продолжить.",
        retry: "Повторить",
        enableHeading: "Включить выставление счетов",
        enableIntro:
            "Отправляйте гостям ссылку на оплату и QR-код для каждого бронирования. Invoicebox, наш платёжный партнёр, пришлёт вам приглашение.",
        email: "Рабочий e-mail",
        sendInvitation: "Отправить приглашение",
        connectExisting: "Подключить существующий магазин",
        invitedHeading: "Проверьте почту",
        invitedIntro: (email) => `Мы отправили приглашение на ${email}. Введите код активации из письма.`,
        activationCode: "Код активации",
        activate: "Активировать",
        sendAgain: "Отправить ещё раз",
        resendAt: (time) => `Отправить приглашение ещё раз можно в ${time}.`,
        resendNow: "Письмо не пришло? Приглашение можно отправить ещё раз.",
        connectHeading: "Подключить существующий магазин",
        connectIntro: "Уже есть магазин в Invoicebox? Введите его идентификатор и API-токен из личного кабинета Invoicebox.",
        merchantId: "Идентификатор магазина (Merchant ID)",
        apiToken: "API-токен",
        notificationKey: "Ключ уведомлений (необязательно)",
        connectShop: "Подключить магазин",
        back: "Назад",
        activeHeading: "Выставление счетов включено",
        activeIntro: "Гости могут оплачивать счета онлайн.",
        tokenEnding: (four) => `оканчивается на ${four}`,
        notificationUrl: "Адрес для уведомлений",
        notificationUrlHint: "Укажите этот адрес в личном кабинете Invoicebox, чтобы оплаты сразу появлялись здесь.",
        copy: "Копировать",
        copied: "Скопировано",
        copySelected: "Адрес выделен: нажмите Ctrl+C (⌘C на Mac), чтобы скопировать.",
        notificationKeyLabel: "Ключ уведомлений",
        keySet: "Задан",
        keyNotSet: "Не задан",
        previousKeyValidUntil: "Прежний ключ действует до",
        setKey: "Задать ключ уведомлений",
        replaceKey: "Заменить ключ уведомлений",
        removeKey: "Удалить ключ уведомлений",
        keyField: "Ключ уведомлений",
        keyHint: "Ключ из настроек уведомлений в личном кабинете Invoicebox.",
        keyAlgorithm: "Алгоритм подписи",
        keyAlgorithmHint: "Выберите тот же алгоритм, что указан в личном кабинете Invoicebox: они должны совпадать.",
        defaultAlgorithm: (name) => `${name} (по умолчанию)`,
        keyGrace: "Прежний ключ продолжит действовать",
        keyGraceHint: "До этого времени принимаются и уведомления, подписанные прежним ключом.",
        gracePeriods: { 0: "Нет", 3600: "1 час", 86400: "1 день", 604800: "7 дней" },
        saveKey: "Сохранить ключ",
        cancel: "Отмена",
        removeKeyConfirm:
            "Удалить ключ уведомлений? Тогда уведомления об оплате будут проверяться запросом в Invoicebox, а не по подписи. Прежний ключ, если он ещё действует, тоже будет удалён.",
        yesRemove: "Да, удалить",
        keepKey: "Оставить ключ",
        announceKeySaved: "Ключ уведомлений сохранён.",
        announceKeyRemoved: "Ключ уведомлений удалён.",
        activeSince: "Включено",
        disable: "Отключить выставление счетов",
        disableConfirm:
            "Отключить выставление счетов? Новые счета нельзя будет выставить, пока вы не включите его снова. Выставленные счета останутся видны.",
        yesDisable: "Да, отключить",
        keepOn: "Оставить включённым",
        announceInvited: (email) => `Приглашение отправлено на ${email}.`,
        announceActivated: "Выставление счетов включено.",
        announceDisabled: "Выставление счетов отключено.",
        announceCopied: "Адрес для уведомлений скопирован.",
        fakturowniaEnableHeading: "Включить управление счетами",
        fakturowniaEnableIntro:
            "Выставляйте счёт-фактуру (VAT) по каждому бронированию в Fakturownia. Мы откроем для отеля учётную запись Fakturownia, и вы сможете входить в неё в любое время.",
        accountPrefix: "Префикс учётной записи",
        accountPrefixHint:
            "Первая часть адреса учётной записи, например hotel-aurora: от 3 до 40 строчных латинских букв, цифр и дефисов. Если он занят, Fakturownia выдаст похожий.",
        ownerEmailHint: "Владелец учётной записи: Fakturownia будет писать на этот адрес.",
        companyName: "Название компании",
        companyNameHint: "Так, как оно указывается в счетах.",
        taxNumber: "Налоговый номер (NIP, необязательно)",
        openAccount: "Открыть учётную запись",
        fakturowniaConnectExisting: "Подключить существующую учётную запись Fakturownia",
        fakturowniaConnectIntro:
            "Уже выставляете счета в Fakturownia? Введите префикс учётной записи и API-токен из раздела «Настройки › Настройки учётной записи › Интеграция».",
        connectPrefixHint: "Первая часть адреса учётной записи: hotel-aurora в hotel-aurora.fakturownia.pl.",
        connectAccount: "Подключить учётную запись",
        fakturowniaActiveHeading: "Управление счетами включено",
        fakturowniaActiveIntro: "Счета гостям выставляются в вашей учётной записи Fakturownia.",
        accountAddress: "Адрес учётной записи",
        webhooks: "Вебхуки",
        webhookCount: (count) => `зарегистрировано: ${count}`,
        webhooksHint: "Оплаты и изменения, сделанные в Fakturownia, сразу появляются здесь.",
        logIn: "Войти в Fakturownia",
        opensInNewTab: "(откроется в новой вкладке)",
        prefixGranted: (granted, requested) => ["Префикс ", requested, " занят, поэтому Fakturownia выдала ", granted, ": он и используется в адресе учётной записи."],
        announceAccountOpened: (prefix) => `Управление счетами включено. Префикс учётной записи Fakturownia: ${prefix}.`,
        announceAccountConnected: "Управление счетами включено.",
        invoices: "Счета",
        status: "Статус",
        allStatuses: "Все",
        reservation: "Бронирование",
        filter: "Найти",
        pages: "Страницы",
        newer: "Новее",
        older: "Старше",
        empty: "Счетов пока нет.",
        emptyFiltered: "Нет счетов, подходящих под условия.",
        pay: "Оплатить",
        qrAlt: "QR-код для оплаты",
        documentNumber: "Номер документа",
        proformaNumber: "Номер проформы",
        pdf: "PDF",
        viewInvoice: "Открыть документ",
        ofDocument: (number) => `, документ ${number}`,
        rowHint: "Нажмите Enter, чтобы открыть счёт.",
        statusChanged: (reservation, status) => `Счёт по бронированию ${reservation}: ${status}.`,
        invoiceHeading: (reservation) => `Счёт по бронированию ${reservation}`,
        lines: "Позиции",
        item: "Позиция",
        quantity: "Кол-во",
        unitPrice: "Цена",
        vat: "НДС",
        vatAmount: "Сумма НДС",
        lineAmount: "Сумма",
        total: "Итого",
        vatTotal: "В том числе НДС",
        refunded: "Возвращено",
        history: "История",
        noHistory: "Событий пока нет.",
        checkout: "Страница оплаты для гостя",
        cancelInvoice: "Отменить счёт",
        cancelConfirm: "Отменить этот счёт? Гость больше не сможет его оплатить.",
        yesCancel: "Да, отменить",
        keepInvoice: "Не отменять",
        announceCanceled: "Счёт отменён.",
        notFound: "Счёт не найден.",
        noInvoice: "Счёт не выбран.",
        createdAt: "Создан",
        expiresAt: "Оплатить до",
        paidAt: "Оплачен",
        canceledAt: "Отменён",
        statuses: {
            pending: "Готовится",
            open: "Ожидает оплаты",
            held: "Средства заблокированы",
            partially_paid: "Частично оплачен",
            paid: "Оплачен",
            canceled: "Отменён",
            expired: "Просрочен",
            failed: "Ошибка",
            partially_refunded: "Частично возвращён",
            refunded: "Возвращён",
            reversed: "Платёж отменён",
        },
        events: {
            "invoice.created": "Счёт выставлен",
            "invoice.held": "Средства гостя заблокированы",
            "invoice.partially_paid": "Частично оплачен",
            "invoice.fulfilled": "Услуга отмечена оказанной",
            "invoice.document_issued": "Выставлен счёт-фактура",
            "invoice.paid": "Оплачен",
            "invoice.canceled": "Отменён",
            "invoice.expired": "Срок оплаты истёк",
            "invoice.failed": "Платёжная система отклонила счёт",
            "invoice.refunded": "Оформлен возврат",
            "invoice.updated": "Счёт изменён",
            "invoice.reversed": "Платёж возвращён гостю",
            "refund.completed": "Возврат завершён",
            "refund.canceled": "Возврат отменён",
        },
        vatCodes: {
            VATNONE: "Без НДС",
            RUS_VAT0: "0 %",
            RUS_VAT5: "5 %",
            RUS_VAT7: "7 %",
            RUS_VAT10: "10 %",
            RUS_VAT20: "20 %",
            RUS_VAT22: "22 %",
            PL_VAT23: "23 %",
            PL_VAT8: "8 %",
            PL_VAT5: "5 %",
            PL_VAT0: "0 %",
            PL_ZW: "Освобождено (zw.)",
            PL_NP: "Не облагается (np.)",
        },
        fields: {
            "/email": "Рабочий e-mail",
            "/activationCode": "Код активации",
            "/merchantId": "Идентификатор магазина",
            "/token": "API-токен",
            "/notificationKey": "Ключ уведомлений",
            "/key": "Ключ уведомлений",
            "/algorithm": "Алгоритм подписи",
            "/graceSeconds": "Прежний ключ продолжит действовать",
            "/fakturownia/prefix": "Префикс учётной записи",
            "/fakturownia/email": "Рабочий e-mail",
            "/fakturownia/company/name": "Название компании",
            "/fakturownia/company/taxNumber": "Налоговый номер (NIP)",
            "/fakturownia/apiToken": "API-токен",
        },
        problems: {
            session_expired: "Сеанс истёк",
            invalid_session: "Не удалось проверить сеанс. Обновите страницу, чтобы войти снова.",
            session_forbidden: "Этой странице такое действие не разрешено. Обратитесь в поддержку платформы.",
            forbidden: "Этой странице такое действие не разрешено. Обратитесь в поддержку платформы.",
            tenant_not_found: "Учётная запись отеля не найдена.",
            invite_too_soon: ({ time }) =>
                time ? `Приглашение только что отправлено. Следующее можно отправить в ${time}.` : "Приглашение только что отправлено. Подождите минуту.",
            too_many_attempts: ({ time }) =>
                time ? `Слишком много попыток. Попробуйте снова в ${time}.` : "Слишком много попыток. Попробуйте позже.",
            activation_code_rejected: "Код активации не подошёл. Проверьте код в письме и попробуйте ещё раз.",
            not_invited: "Сначала отправьте приглашение.",
            merchant_already_connected: "Этот магазин уже подключён к другому отелю.",
            invalid_credentials: "API-токен не подходит к этому магазину. Проверьте токен в личном кабинете Invoicebox.",
            merchant_not_owned: "Этот API-токен относится к другому магазину. Проверьте идентификатор магазина.",
            validation_failed: "Проверьте поля:",
            invoicing_has_open_invoices: ({ count }) =>
                `Неоплаченных счетов: ${count}. Отмените их или дождитесь оплаты или окончания срока, затем отключите выставление счетов.`,
            invoicing_active: "Выставление счетов уже включено.",
            invoicing_not_active: "Выставление счетов ещё не включено.",
            invoicing_not_configured: "Выставление счетов сейчас нельзя настроить. Обратитесь в поддержку платформы.",
            invoice_not_cancelable: "Этот счёт уже нельзя отменить.",
            invoice_not_sendable: "У этого счёта нет документа, который можно отправить: он ещё не выставлен или уже недействителен.",
            invoice_not_payable: "Этот счёт больше не принимает оплату: он оплачен полностью, отменён или просрочен.",
            invoice_not_found: "Счёт не найден.",
            not_supported_by_provider: "Ваш сервис выставления счетов этого не поддерживает.",
            provider_not_configured: "Этот сервис выставления счетов ещё не настроен на платформе. Обратитесь в поддержку платформы.",
            idempotency_key_in_flight: "Предыдущая попытка ещё выполняется. Подождите немного и попробуйте снова.",
            provider_unavailable: "Платёжная система не отвечает. Попробуйте через несколько минут.",
            provider_rejected: "Платёжная система отклонила запрос.",
            provider_conflict: "Платёжная система сообщила о конфликте. Обновите страницу и попробуйте снова.",
            service_unavailable: "Сервис счетов ненадолго недоступен. Попробуйте через несколько минут.",
            network_error: "Нет связи с сервисом счетов. Проверьте подключение к интернету.",
            internal_error: "Что-то пошло не так. Попробуйте ещё раз.",
            fallback: "Запрос не выполнен.",
        },
        fakturowniaProblems: {
            invalid_credentials:
                "Fakturownia не приняла этот API-токен для учётной записи. Проверьте префикс и токен в разделе «Настройки › Настройки учётной записи › Интеграция».",
            merchant_already_connected: "Эта учётная запись Fakturownia уже подключена к другому отелю.",
            merchant_not_owned: "Этот API-токен относится к другой учётной записи Fakturownia. Проверьте префикс.",
        },
    },
    pl: {
        loading: "Ładowanie…",
        waiting: "Oczekiwanie na sesję…",
        sessionExpired: "Sesja wygasła",
        sessionExpiredHint: "Odśwież stronę, aby kontynuować.",
        retry: "Spróbuj ponownie",
        enableHeading: "Włącz wystawianie faktur",
        enableIntro:
            "Wysyłaj gościom link do płatności i kod QR do każdej rezerwacji. Invoicebox, nasz partner płatniczy, wyśle Ci zaproszenie e-mailem.",
        email: "Służbowy e-mail",
        sendInvitation: "Wyślij zaproszenie",
        connectExisting: "Połącz istniejący sklep",
        invitedHeading: "Sprawdź skrzynkę e-mail",
        invitedIntro: (email) => `Wysłaliśmy zaproszenie na adres ${email}. Wpisz kod aktywacyjny z tej wiadomości.`,
        activationCode: "Kod aktywacyjny",
        activate: "Aktywuj",
        sendAgain: "Wyślij ponownie",
        resendAt: (time) => `Zaproszenie można wysłać ponownie o ${time}.`,
        resendNow: "Brak e-maila? Zaproszenie można wysłać ponownie.",
        connectHeading: "Połącz istniejący sklep",
        connectIntro: "Masz już sklep w Invoicebox? Wpisz jego identyfikator i token API z panelu Invoicebox.",
        merchantId: "Identyfikator sklepu (Merchant ID)",
        apiToken: "Token API",
        notificationKey: "Klucz powiadomień (opcjonalnie)",
        connectShop: "Połącz sklep",
        back: "Wstecz",
        activeHeading: "Wystawianie faktur włączone",
        activeIntro: "Goście mogą opłacać faktury online.",
        tokenEnding: (four) => `kończy się na ${four}`,
        notificationUrl: "Adres powiadomień",
        notificationUrlHint: "Wpisz ten adres w panelu Invoicebox, aby płatności od razu pojawiały się tutaj.",
        copy: "Kopiuj",
        copied: "Skopiowano",
        copySelected: "Adres jest zaznaczony: naciśnij Ctrl+C (⌘C na Macu), aby go skopiować.",
        notificationKeyLabel: "Klucz powiadomień",
        keySet: "Ustawiony",
        keyNotSet: "Nieustawiony",
        previousKeyValidUntil: "Poprzedni klucz ważny do",
        setKey: "Ustaw klucz powiadomień",
        replaceKey: "Zmień klucz powiadomień",
        removeKey: "Usuń klucz powiadomień",
        keyField: "Klucz powiadomień",
        keyHint: "Klucz z ustawień powiadomień w panelu Invoicebox.",
        keyAlgorithm: "Algorytm podpisu",
        keyAlgorithmHint: "Wybierz algorytm ustawiony w panelu Invoicebox: muszą być zgodne.",
        defaultAlgorithm: (name) => `${name} (domyślny)`,
        keyGrace: "Poprzedni klucz pozostanie ważny przez",
        keyGraceHint: "Do tego czasu przyjmowane są też powiadomienia podpisane poprzednim kluczem.",
        gracePeriods: { 0: "Brak", 3600: "1 godzinę", 86400: "1 dzień", 604800: "7 dni" },
        saveKey: "Zapisz klucz",
        cancel: "Anuluj",
        removeKeyConfirm:
            "Usunąć klucz powiadomień? Powiadomienia o płatnościach będą wtedy potwierdzane w Invoicebox zamiast przez podpis. Poprzedni klucz, jeśli jest jeszcze ważny, też zostanie usunięty.",
        yesRemove: "Tak, usuń",
        keepKey: "Zachowaj klucz",
        announceKeySaved: "Klucz powiadomień zapisany.",
        announceKeyRemoved: "Klucz powiadomień usunięty.",
        activeSince: "Włączone od",
        disable: "Wyłącz wystawianie faktur",
        disableConfirm:
            "Wyłączyć wystawianie faktur? Nie wystawisz nowych faktur, dopóki nie włączysz go ponownie. Wystawione faktury pozostaną widoczne.",
        yesDisable: "Tak, wyłącz",
        keepOn: "Pozostaw włączone",
        announceInvited: (email) => `Zaproszenie wysłane na adres ${email}.`,
        announceActivated: "Wystawianie faktur włączone.",
        announceDisabled: "Wystawianie faktur wyłączone.",
        announceCopied: "Adres powiadomień skopiowany.",
        fakturowniaEnableHeading: "Włącz zarządzanie fakturami",
        fakturowniaEnableIntro:
            "Wystawiaj fakturę VAT do każdej rezerwacji w Fakturowni. Założymy dla hotelu konto w Fakturowni, do którego możesz się zalogować w każdej chwili.",
        accountPrefix: "Prefiks konta",
        accountPrefixHint:
            "Pierwsza część adresu konta, np. hotel-aurora: od 3 do 40 małych liter, cyfr i łączników. Jeśli jest zajęty, Fakturownia nada podobny.",
        ownerEmailHint: "Właściciel konta: na ten adres Fakturownia wysyła wiadomości.",
        companyName: "Nazwa firmy",
        companyNameHint: "Tak, jak ma się pojawiać na fakturach.",
        taxNumber: "NIP (opcjonalnie)",
        openAccount: "Załóż konto",
        fakturowniaConnectExisting: "Połącz istniejące konto Fakturowni",
        fakturowniaConnectIntro:
            "Wystawiasz już faktury w Fakturowni? Wpisz prefiks konta i kod autoryzacyjny API z Ustawienia › Ustawienia konta › Integracja.",
        connectPrefixHint: "Pierwsza część adresu konta: hotel-aurora w hotel-aurora.fakturownia.pl.",
        connectAccount: "Połącz konto",
        fakturowniaActiveHeading: "Zarządzanie fakturami włączone",
        fakturowniaActiveIntro: "Faktury dla gości są wystawiane na Twoim koncie w Fakturowni.",
        accountAddress: "Adres konta",
        webhooks: "Webhooki",
        webhookCount: (count) => `zarejestrowane: ${count}`,
        webhooksHint: "Płatności i zmiany wprowadzone w Fakturowni od razu pojawiają się tutaj.",
        logIn: "Zaloguj się do Fakturowni",
        opensInNewTab: "(otwiera się w nowej karcie)",
        prefixGranted: (granted, requested) => ["Prefiks ", requested, " był zajęty, więc Fakturownia nadała ", granted, ": tego używa adres konta."],
        announceAccountOpened: (prefix) => `Zarządzanie fakturami włączone. Prefiks konta w Fakturowni: ${prefix}.`,
        announceAccountConnected: "Zarządzanie fakturami włączone.",
        invoices: "Faktury",
        status: "Status",
        allStatuses: "Wszystkie",
        reservation: "Rezerwacja",
        filter: "Filtruj",
        pages: "Strony",
        newer: "Nowsze",
        older: "Starsze",
        empty: "Nie ma jeszcze faktur.",
        emptyFiltered: "Żadna faktura nie pasuje do tych filtrów.",
        pay: "Zapłać",
        qrAlt: "Kod QR do płatności",
        documentNumber: "Numer faktury",
        proformaNumber: "Numer proformy",
        pdf: "PDF",
        viewInvoice: "Zobacz fakturę",
        ofDocument: (number) => `, faktura ${number}`,
        rowHint: "Naciśnij Enter, aby otworzyć fakturę.",
        statusChanged: (reservation, status) => `Faktura do rezerwacji ${reservation}: ${status}.`,
        invoiceHeading: (reservation) => `Faktura do rezerwacji ${reservation}`,
        lines: "Pozycje",
        item: "Pozycja",
        quantity: "Ilość",
        unitPrice: "Cena jedn.",
        vat: "VAT",
        vatAmount: "Kwota VAT",
        lineAmount: "Kwota",
        total: "Razem",
        vatTotal: "W tym VAT",
        refunded: "Zwrócono",
        history: "Historia",
        noHistory: "Brak zdarzeń.",
        checkout: "Strona płatności dla gościa",
        cancelInvoice: "Anuluj fakturę",
        cancelConfirm: "Anulować tę fakturę? Gość nie będzie mógł jej już opłacić.",
        yesCancel: "Tak, anuluj",
        keepInvoice: "Zachowaj fakturę",
        announceCanceled: "Faktura anulowana.",
        notFound: "Nie znaleziono faktury.",
        noInvoice: "Nie wybrano faktury.",
        createdAt: "Utworzona",
        expiresAt: "Termin płatności",
        paidAt: "Opłacona",
        canceledAt: "Anulowana",
        statuses: {
            pending: "W przygotowaniu",
            open: "Do zapłaty",
            held: "Środki zablokowane",
            partially_paid: "Częściowo opłacona",
            paid: "Opłacona",
            canceled: "Anulowana",
            expired: "Przeterminowana",
            failed: "Błąd",
            partially_refunded: "Częściowo zwrócona",
            refunded: "Zwrócona",
            reversed: "Płatność cofnięta",
        },
        events: {
            "invoice.created": "Faktura wystawiona",
            "invoice.held": "Środki gościa zablokowane",
            "invoice.partially_paid": "Częściowo opłacona",
            "invoice.fulfilled": "Usługa oznaczona jako wykonana",
            "invoice.document_issued": "Wystawiono fakturę VAT",
            "invoice.paid": "Opłacona",
            "invoice.canceled": "Anulowana",
            "invoice.expired": "Termin płatności minął",
            "invoice.failed": "Odrzucona przez serwis płatności",
            "invoice.refunded": "Zlecono zwrot",
            "invoice.updated": "Faktura zmieniona",
            "invoice.reversed": "Płatność zwrócona gościowi",
            "refund.completed": "Zwrot zakończony",
            "refund.canceled": "Zwrot anulowany",
        },
        vatCodes: {
            VATNONE: "Bez VAT",
            RUS_VAT0: "0%",
            RUS_VAT5: "5%",
            RUS_VAT7: "7%",
            RUS_VAT10: "10%",
            RUS_VAT20: "20%",
            RUS_VAT22: "22%",
            PL_VAT23: "23%",
            PL_VAT8: "8%",
            PL_VAT5: "5%",
            PL_VAT0: "0%",
            PL_ZW: "zw.",
            PL_NP: "np.",
        },
        fields: {
            "/email": "Służbowy e-mail",
            "/activationCode": "Kod aktywacyjny",
            "/merchantId": "Identyfikator sklepu",
            "/token": "Token API",
            "/notificationKey": "Klucz powiadomień",
            "/key": "Klucz powiadomień",
            "/algorithm": "Algorytm podpisu",
            "/graceSeconds": "Poprzedni klucz pozostanie ważny przez",
            "/fakturownia/prefix": "Prefiks konta",
            "/fakturownia/email": "Służbowy e-mail",
            "/fakturownia/company/name": "Nazwa firmy",
            "/fakturownia/company/taxNumber": "NIP",
            "/fakturownia/apiToken": "Token API",
        },
        problems: {
            session_expired: "Sesja wygasła",
            invalid_session: "Nie udało się zweryfikować tej strony. Odśwież ją, aby zalogować się ponownie.",
            session_forbidden: "Ta strona nie może wykonać tej czynności. Skontaktuj się z pomocą techniczną platformy.",
            forbidden: "Ta strona nie może wykonać tej czynności. Skontaktuj się z pomocą techniczną platformy.",
            tenant_not_found: "Nie znaleziono konta hotelu.",
            invite_too_soon: ({ time }) =>
                time ? `Zaproszenie zostało właśnie wysłane. Kolejne możesz wysłać o ${time}.` : "Zaproszenie zostało właśnie wysłane. Poczekaj minutę.",
            too_many_attempts: ({ time }) => (time ? `Zbyt wiele prób. Spróbuj ponownie o ${time}.` : "Zbyt wiele prób. Spróbuj ponownie później."),
            activation_code_rejected: "Ten kod aktywacyjny nie został przyjęty. Sprawdź kod w wiadomości i spróbuj ponownie.",
            not_invited: "Najpierw wyślij zaproszenie.",
            merchant_already_connected: "Ten sklep jest już połączony z innym hotelem.",
            invalid_credentials: "Token API nie został przyjęty dla tego sklepu. Sprawdź token w panelu Invoicebox.",
            merchant_not_owned: "Ten token API należy do innego sklepu. Sprawdź identyfikator sklepu.",
            validation_failed: "Sprawdź te pola:",
            invoicing_has_open_invoices: ({ count }) =>
                `Nieopłacone faktury: ${count}. Anuluj je albo poczekaj, aż zostaną opłacone lub minie ich termin, a potem wyłącz wystawianie faktur.`,
            invoicing_active: "Wystawianie faktur jest już włączone.",
            invoicing_not_active: "Wystawianie faktur nie jest jeszcze włączone.",
            invoicing_not_configured: "Nie można teraz skonfigurować wystawiania faktur. Skontaktuj się z pomocą techniczną platformy.",
            invoice_not_cancelable: "Tej faktury nie można już anulować.",
            invoice_not_sendable: "Ta faktura nie ma dokumentu, który można wysłać: nie została wystawiona albo jest już nieważna.",
            invoice_not_payable: "Ta faktura nie przyjmuje już płatności: jest opłacona w całości, anulowana lub przeterminowana.",
            invoice_not_found: "Nie znaleziono faktury.",
            not_supported_by_provider: "Twój dostawca fakturowania tego nie obsługuje.",
            provider_not_configured: "Ten dostawca fakturowania nie jest jeszcze skonfigurowany na platformie. Skontaktuj się z pomocą techniczną platformy.",
            idempotency_key_in_flight: "Poprzednia próba jeszcze trwa. Poczekaj chwilę i spróbuj ponownie.",
            provider_unavailable: "Serwis płatności nie odpowiada. Spróbuj ponownie za kilka minut.",
            provider_rejected: "Serwis płatności odrzucił żądanie.",
            provider_conflict: "Serwis płatności zgłosił konflikt. Odśwież stronę i spróbuj ponownie.",
            service_unavailable: "Wystawianie faktur jest chwilowo niedostępne. Spróbuj ponownie za kilka minut.",
            network_error: "Brak połączenia z serwisem faktur. Sprawdź połączenie z internetem.",
            internal_error: "Coś poszło nie tak. Spróbuj ponownie.",
            fallback: "Żądanie nie powiodło się.",
        },
        fakturowniaProblems: {
            invalid_credentials:
                "Fakturownia nie przyjęła tego kodu API dla konta. Sprawdź prefiks i kod w Ustawienia › Ustawienia konta › Integracja.",
            merchant_already_connected: "To konto Fakturowni jest już połączone z innym hotelem.",
            merchant_not_owned: "Ten kod API należy do innego konta Fakturowni. Sprawdź prefiks.",
        },
    },
};

// ---------------------------------------------------------------------------------------------
// Session tokens
// ---------------------------------------------------------------------------------------------

/** The claims of a `fs1.<payload>.<signature>` token, or null when it is not one. The signature is the server's to check. */
export function decodeSessionToken(token) {
    if (typeof token !== "string") return null;
    const parts = token.trim().split(".");
    if (parts.length !== 3 || parts[0] !== "fs1" || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return null;
    try {
        const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(parts[1].length / 4) * 4, "=");
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const claims = JSON.parse(new TextDecoder().decode(bytes));
        if (!claims || typeof claims.tid !== "string" || typeof claims.exp !== "number") return null;
        return claims;
    } catch {
        return null;
    }
}

function isExpired(claims, now = Date.now()) {
    return claims.exp * 1000 <= now;
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

function currencyFormat(currency, lang) {
    const locale = LOCALES[lang] ?? lang;
    try {
        return new Intl.NumberFormat(locale, { style: "currency", currency, currencyDisplay: "narrowSymbol" });
    } catch {
        // Older engines lack narrowSymbol; an unknown currency code throws too and falls through to the plain code.
        try {
            return new Intl.NumberFormat(locale, { style: "currency", currency });
        } catch {
            return null;
        }
    }
}

/** Minor units (kopecks, cents) as money text; the currency's own fraction digits decide the scale. */
export function formatMinor(minor, currency, lang = "en") {
    const format = currencyFormat(currency, lang);
    if (!format) return `${minor} ${currency}`;
    const digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(Number(minor) / 10 ** digits);
}

function formatDateTime(iso, lang) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return new Intl.DateTimeFormat(LOCALES[lang] ?? lang, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

function formatTime(epochMs, lang) {
    return new Intl.DateTimeFormat(LOCALES[lang] ?? lang, { timeStyle: "medium" }).format(new Date(epochMs));
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/** A problem document (RFC 9457) the API answered, or one made up for a network failure. */
class ProblemError extends Error {
    constructor(problem, retryAfterSeconds) {
        super(problem.detail || problem.code);
        this.problem = problem;
        this.retryAt = Number.isFinite(retryAfterSeconds) ? Date.now() + retryAfterSeconds * 1000 : null;
    }
}

/** Thrown when an answer belongs to a session, invoice or page the element no longer shows. */
class StaleAnswer extends Error {}

function retryAfterSeconds(response) {
    const header = response.headers.get("Retry-After");
    if (!header) return NaN;
    if (/^\d+$/.test(header.trim())) return Number(header.trim());
    const date = Date.parse(header);
    return Number.isNaN(date) ? NaN : Math.max(0, (date - Date.now()) / 1000);
}

async function readProblem(response) {
    let body = null;
    try {
        body = await response.json();
    } catch {
        // A proxy's HTML error page is not a problem document; the status still says enough.
    }
    if (body && typeof body.code === "string") return { ...body, status: body.status ?? response.status };
    return { status: response.status, code: response.status >= 500 ? "service_unavailable" : `http_${response.status}`, detail: "" };
}

async function callAPI({ base, token, path, method = "GET", query, body, headers: extraHeaders, as = "json", signal }) {
    const url = new URL(base.replace(/\/+$/, "") + path);
    for (const [name, value] of Object.entries(query ?? {})) {
        if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const headers = {
        Authorization: `Bearer ${token}`,
        Accept: as === "json" ? "application/json, application/problem+json" : "image/svg+xml, application/problem+json",
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, extraHeaders);
    let response;
    try {
        response = await fetch(url, {
            method,
            headers,
            body: body === undefined ? undefined : JSON.stringify(body),
            signal,
            cache: "no-store",
            credentials: "omit",
        });
    } catch (error) {
        if (error?.name === "AbortError") throw new StaleAnswer();
        throw new ProblemError({ status: 0, code: "network_error", detail: "" });
    }
    if (!response.ok) throw new ProblemError(await readProblem(response), retryAfterSeconds(response));
    if (response.status === 204) return null;
    return as === "json" ? response.json() : response.blob();
}

// ---------------------------------------------------------------------------------------------
// Building the DOM
// ---------------------------------------------------------------------------------------------

/** Builds an element; text always goes in as text nodes, so nothing the API returns is parsed as HTML. */
function h(tag, props = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
        else if (name === "dataset") Object.assign(element.dataset, value);
        else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
        if (child === undefined || child === null || child === false) continue;
        element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
}

let nextFieldID = 0;

/** A visible label and its control, tied by id; the control gets `part="input"`. */
function field(labelText, control, hint) {
    const id = `folio-field-${++nextFieldID}`;
    control.id = id;
    control.setAttribute("part", control.getAttribute("part") ?? "input");
    const hintNode = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
    if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
    return h("div", { class: "field" }, h("label", { for: id, part: "label" }, labelText), control, hintNode);
}

function button(text, onclick, { kind = "primary", type = "button", key } = {}) {
    return h("button", { type, class: `button ${kind}`, part: "button", onclick, dataset: key ? { key } : undefined }, text);
}

function badge(status, t) {
    return h("span", { class: `badge status-${status}`, part: "badge", dataset: { status } }, t.statuses[status] ?? status);
}

/** Only http(s) links are rendered, so a stored `javascript:` URL can never run; a good one is kept as written. */
function safeURL(url) {
    try {
        const { protocol } = new URL(url);
        return protocol === "https:" || protocol === "http:" ? url : null;
    } catch {
        return null;
    }
}

function upgradeProperty(element, name) {
    // A host may set the property before this module defined the element; that value shadows the accessor.
    if (Object.prototype.hasOwnProperty.call(element, name)) {
        const value = element[name];
        delete element[name];
        element[name] = value;
    }
}

// ---------------------------------------------------------------------------------------------
// Styles (every colour, the font, the radius and the spacing come from --folio-* properties)
// ---------------------------------------------------------------------------------------------

const STYLES = `
:host {
    --_primary: var(--folio-color-primary, #2457d6);
    --_text: var(--folio-color-text, #1d2433);
    --_background: var(--folio-color-background, #ffffff);
    --_border: var(--folio-color-border, #d5dae3);
    --_success: var(--folio-color-success, #1b7f4c);
    --_warning: var(--folio-color-warning, #a15c00);
    --_danger: var(--folio-color-danger, #c0352b);
    --_radius: var(--folio-radius, 8px);
    --_space: calc(8px * var(--folio-density, 1));
    --_muted: color-mix(in srgb, var(--_text) 62%, var(--_background));
    display: block;
    box-sizing: border-box;
    font-family: var(--folio-font-family, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    font-size: 15px;
    line-height: 1.45;
    color: var(--_text);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 2);
}
/* A failed load shows its problem above the retry button, an expired session its message above the hint. */
:host([data-state="error"]), :host([data-state="session-expired"]) { display: flex; flex-direction: column; }
:host([data-state="error"]) .error { order: -1; margin: 0 0 var(--_space); }
:host([data-state="session-expired"]) .status { order: -1; margin: 0 0 var(--_space); }
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: inherit; }
h2, h3, h4 { margin: 0 0 var(--_space); line-height: 1.25; }
h2 { font-size: 1.25em; }
h3 { font-size: 1.1em; }
h4 { font-size: 1em; }
.history-heading { margin-top: calc(var(--_space) * 2.5); }
p { margin: 0 0 var(--_space); }
.muted, .hint { color: var(--_muted); font-size: 0.9em; }
.hint { margin: calc(var(--_space) / 2) 0 0; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--_primary) 70%, transparent); outline-offset: 2px; }
form { display: grid; gap: calc(var(--_space) * 1.5); margin: 0 0 calc(var(--_space) * 1.5); }
.field { display: grid; gap: calc(var(--_space) / 2); }
label { font-weight: 600; font-size: 0.92em; }
input, select {
    font: inherit;
    color: var(--_text);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 0.75);
    padding: calc(var(--_space) * 0.75) var(--_space);
    min-width: 0;
}
input:focus-visible, select:focus-visible { border-color: var(--_primary); }
input[aria-invalid="true"] { border-color: var(--_danger); }
.actions { display: flex; flex-wrap: wrap; gap: var(--_space); align-items: center; }
.button {
    font: inherit;
    font-weight: 600;
    border-radius: calc(var(--_radius) * 0.75);
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.75);
    border: 1px solid var(--_primary);
    cursor: pointer;
}
.button.primary { background: var(--_primary); color: var(--_background); }
.button.secondary { background: transparent; color: var(--_primary); }
.button.danger { background: var(--_danger); border-color: var(--_danger); color: var(--_background); }
.button.link { background: none; border: none; padding: 0; color: var(--_primary); text-decoration: underline; font-weight: 500; }
.button:disabled { opacity: 0.55; cursor: progress; }
a.button { display: inline-block; text-decoration: none; }
.notice.granted { margin-bottom: calc(var(--_space) * 1.5); }
.login { margin-bottom: calc(var(--_space) * 2.5); }
a { color: var(--_primary); }
.status { min-height: 1.2em; margin: var(--_space) 0 0; color: var(--_muted); font-size: 0.9em; }
.status:empty { margin: 0; min-height: 0; }
.status[data-tone="alert"] { color: var(--_text); font-weight: 600; font-size: 1em; }
.error {
    margin: var(--_space) 0 0;
    padding: var(--_space) calc(var(--_space) * 1.5);
    border: 1px solid var(--_danger);
    border-radius: calc(var(--_radius) * 0.75);
    color: var(--_danger);
    background: color-mix(in srgb, var(--_danger) 8%, var(--_background));
}
.error ul { margin: calc(var(--_space) / 2) 0 0; padding-left: calc(var(--_space) * 2.5); }
.notice {
    padding: calc(var(--_space) * 1.5);
    border-radius: calc(var(--_radius) * 0.75);
    background: color-mix(in srgb, var(--_primary) 7%, var(--_background));
    border: 1px solid color-mix(in srgb, var(--_primary) 30%, var(--_background));
}
.confirm { border-color: var(--_danger); background: color-mix(in srgb, var(--_danger) 6%, var(--_background)); margin-top: var(--_space); }
.badge {
    display: inline-block;
    padding: calc(var(--_space) * 0.25) var(--_space);
    border-radius: 999px;
    font-size: 0.82em;
    font-weight: 600;
    white-space: nowrap;
    color: var(--_muted);
    background: color-mix(in srgb, var(--_text) 8%, var(--_background));
}
.status-paid { color: var(--_success); background: color-mix(in srgb, var(--_success) 14%, var(--_background)); }
.status-held, .status-partially_paid { color: var(--_success); background: color-mix(in srgb, var(--_success) 8%, var(--_background)); }
.status-open, .status-pending { color: var(--_warning); background: color-mix(in srgb, var(--_warning) 14%, var(--_background)); }
.status-failed { color: var(--_danger); background: color-mix(in srgb, var(--_danger) 12%, var(--_background)); }
dl.facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: calc(var(--_space) * 0.75) calc(var(--_space) * 2);
    margin: 0 0 calc(var(--_space) * 1.5);
}
dl.facts dt { font-weight: 600; color: var(--_muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.key-actions { margin: 0 0 calc(var(--_space) * 1.5); }
.key-form { margin: 0 0 calc(var(--_space) * 1.5); }
.notification-url { display: flex; flex-wrap: wrap; gap: var(--_space); align-items: center; }
code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    overflow-wrap: anywhere;
    background: color-mix(in srgb, var(--_text) 6%, var(--_background));
    padding: calc(var(--_space) * 0.25) calc(var(--_space) * 0.5);
    border-radius: 4px;
}
/* Wrapping rather than a media query: the element may sit in a narrow column of a wide page. */
.filters { display: flex; flex-wrap: wrap; align-items: end; }
.filters .field { flex: 1 1 12em; }
ol.rows {
    list-style: none;
    margin: 0;
    padding: 0;
    border-top: 1px solid var(--_border);
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto auto auto;
}
/* Rows share the list's columns, so amounts and badges line up whatever each row holds. */
.row {
    grid-column: 1 / -1;
    display: grid;
    grid-template-columns: subgrid;
    gap: calc(var(--_space) * 1.5);
    align-items: center;
    padding: calc(var(--_space) * 1.25) var(--_space);
    border-bottom: 1px solid var(--_border);
    cursor: pointer;
}
.row:hover { background: color-mix(in srgb, var(--_primary) 5%, var(--_background)); }
.row[aria-current="true"] { background: color-mix(in srgb, var(--_primary) 10%, var(--_background)); }
.row .title { font-weight: 600; }
.row .amount { font-variant-numeric: tabular-nums; font-weight: 600; text-align: right; }
.row .pay { display: flex; align-items: center; gap: var(--_space); justify-content: flex-end; }
.links { display: flex; flex-direction: column; gap: calc(var(--_space) / 2); }
.row .links { align-items: flex-end; }
.row .badge { justify-self: start; }
@supports not (grid-template-columns: subgrid) {
    .row { grid-template-columns: minmax(0, 1fr) 9em 10em 10em; }
}
img.qr { width: calc(var(--_space) * 12); height: calc(var(--_space) * 12); background: #fff; border: 1px solid var(--_border); border-radius: 4px; }
.payment img.qr { width: calc(var(--_space) * 20); height: calc(var(--_space) * 20); }
.payment { display: flex; flex-wrap: wrap; gap: calc(var(--_space) * 2); align-items: center; margin: calc(var(--_space) * 1.5) 0; }
nav.pager { display: flex; justify-content: space-between; gap: var(--_space); margin-top: calc(var(--_space) * 1.5); }
table { width: 100%; border-collapse: collapse; margin: var(--_space) 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: calc(var(--_space) / 2); }
th, td { padding: calc(var(--_space) * 0.75) var(--_space); border-bottom: 1px solid var(--_border); text-align: left; vertical-align: top; }
th.number, td.number { text-align: right; white-space: nowrap; }
thead th { font-size: 0.85em; color: var(--_muted); }
tfoot th, tfoot td { border-bottom: none; font-weight: 600; }
header.invoice { display: flex; justify-content: space-between; gap: var(--_space); align-items: baseline; flex-wrap: wrap; }
ol.history { margin: 0; padding-left: calc(var(--_space) * 2.5); }
ol.history li { margin-bottom: calc(var(--_space) / 2); }
ol.history time { color: var(--_muted); font-size: 0.9em; margin-right: var(--_space); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 560px) {
    ol.rows { grid-template-columns: minmax(0, 1fr) auto; }
}
`;

// ---------------------------------------------------------------------------------------------
// The shared element: session, language, API base, polling, state, errors
// ---------------------------------------------------------------------------------------------

// Lets the pure functions above be imported outside a browser (e.g. by tests under Node).
const ElementBase = globalThis.HTMLElement ?? class {};

class FolioElement extends ElementBase {
    static get observedAttributes() {
        return ["session", "lang", "api-base", "poll-interval"];
    }

    constructor() {
        super();
        this.attachShadow({ mode: "open" });
        this._generation = 0;
        this._drafts = new Map();
        this._timers = new Set();
        this._claims = null;
        this._expiredToken = null;
        this._content = h("div", { class: "content" });
        this._error = h("div", { class: "error", part: "error", role: "alert", hidden: true });
        this._status = h("p", { class: "status", part: "status", role: "status", "aria-live": "polite" });
        this.shadowRoot.append(h("style", {}, STYLES), this._content, this._error, this._status);
    }

    // --- Public API -----------------------------------------------------------------------------

    get session() {
        return this.getAttribute("session");
    }

    set session(token) {
        if (token === null || token === undefined || token === "") this.removeAttribute("session");
        else this.setAttribute("session", String(token));
    }

    /** Reads what is shown again, without a loading flash (for hosts that just changed something it shows). */
    refresh() {
        if (!this._connected) return;
        if (["loading", "error", "session-expired", "not-found"].includes(this._phase)) {
            this.reload();
            return;
        }
        this.pollInOrder().then(
            () => this.schedulePoll(),
            (error) => this.report(error),
        );
    }

    connectedCallback() {
        upgradeProperty(this, "session");
        this._connected = true;
        this.reload();
    }

    disconnectedCallback() {
        this._connected = false;
        this.stop();
    }

    attributeChangedCallback(name, oldValue, newValue) {
        // The parser reports every attribute before connectedCallback, which loads once for all of them.
        if (oldValue === newValue || !this._connected) return;
        if (name === "lang") {
            this.render();
            if (this._shownProblem) this.showProblem(this._shownProblem.problem, this._shownProblem.retryAt);
            if (this._phase === "session-expired") this._status.textContent = this.t.sessionExpired;
        } else if (name === "poll-interval") {
            this.schedulePoll();
        } else {
            if (name === "session") this.forgetInputs();
            this.reload();
        }
    }

    // --- Settings -------------------------------------------------------------------------------

    get language() {
        const own = (this.getAttribute("lang") || this.closest("[lang]")?.getAttribute("lang") || document.documentElement.lang || "en").toLowerCase();
        return Object.keys(TEXT).find((language) => own === language || own.startsWith(`${language}-`)) ?? "en";
    }

    get t() {
        return TEXT[this.language];
    }

    get apiBase() {
        return this.getAttribute("api-base") || DEFAULT_API_BASE;
    }

    get pollInterval() {
        const seconds = Number(this.getAttribute("poll-interval"));
        return Number.isFinite(seconds) && seconds > 0 ? Math.max(seconds, 0.5) : 5;
    }

    tenantPath(suffix) {
        return `/v1/tenants/${encodeURIComponent(this._claims.tid)}${suffix}`;
    }

    // --- Lifecycle ------------------------------------------------------------------------------

    /** Cancels every request and timer of what is shown now. */
    stop() {
        this._generation += 1;
        this._abort?.abort();
        this._abort = null;
        for (const timer of this._timers) clearTimeout(timer);
        this._timers.clear();
        this._pollTimer = null;
        this.releaseResources();
    }

    reload() {
        this.stop();
        this.clearError();
        this._status.textContent = "";
        delete this._status.dataset.tone;
        this.resetData();
        const token = this.session;
        this._claims = token ? decodeSessionToken(token) : null;
        if (!token || !this.isReadyToLoad()) {
            this.setState("loading");
            this.render();
            return;
        }
        if (!this._claims) {
            this.fail({ status: 401, code: "invalid_session", detail: "" });
            return;
        }
        if (isExpired(this._claims)) {
            this.expire();
            return;
        }
        this.later(() => this.expire(), this._claims.exp * 1000 - Date.now());
        this._abort = new AbortController();
        this.setState("loading");
        this.render();
        this.load().then(
            () => this.schedulePoll(),
            (error) => this.failLoading(error),
        );
    }

    /** A setTimeout that `stop()` cancels. */
    later(callback, delayMs) {
        if (delayMs > LONGEST_TIMER_MS) return null;
        const timer = setTimeout(() => {
            this._timers.delete(timer);
            callback();
        }, Math.max(0, delayMs));
        this._timers.add(timer);
        return timer;
    }

    schedulePoll() {
        if (this._pollTimer) {
            clearTimeout(this._pollTimer);
            this._timers.delete(this._pollTimer);
            this._pollTimer = null;
        }
        if (!this.isConnected || !this.wantsPolling()) return;
        const generation = this._generation;
        this._pollTimer = this.later(async () => {
            this._pollTimer = null;
            try {
                await this.pollInOrder();
            } catch (error) {
                // A missed poll is retried on the next tick; only session failures (handled in api()) end polling.
                if (!(error instanceof StaleAnswer) && !(error instanceof ProblemError)) console.error(error);
            }
            if (generation === this._generation) this.schedulePoll();
        }, this.pollInterval * 1000);
    }

    /** Runs `poll()` after any poll still under way, so two answers never race to update the same rows. */
    pollInOrder() {
        const run = () => this.poll();
        const next = (this._lastPoll ?? Promise.resolve()).then(run, run);
        this._lastPoll = next.catch(() => {});
        return next;
    }

    // --- API calls ------------------------------------------------------------------------------

    /** Calls the API for the current session; answers that arrive after the element moved on are dropped. */
    async api(path, options = {}) {
        const generation = this._generation;
        if (!this._claims) throw new StaleAnswer();
        if (isExpired(this._claims)) {
            this.expire();
            throw new StaleAnswer();
        }
        try {
            const result = await callAPI({ base: this.apiBase, token: this.session, path, signal: this._abort?.signal, ...options });
            if (generation !== this._generation) throw new StaleAnswer();
            return result;
        } catch (error) {
            if (generation !== this._generation) throw new StaleAnswer();
            const problem = error instanceof ProblemError ? error.problem : null;
            if (problem?.status === 401 && problem.code === "session_expired") {
                this.expire();
                throw new StaleAnswer();
            }
            if (problem?.status === 401 || problem?.status === 403) {
                this.fail(problem);
                throw new StaleAnswer();
            }
            throw error;
        }
    }

    /** Runs a user's action: its controls are disabled meanwhile, and a failure is shown, not thrown. */
    async run(scope, action) {
        const controls = [...scope.querySelectorAll("button, input, select")];
        if (scope.matches("button")) controls.push(scope);
        const wasDisabled = controls.map((control) => control.disabled);
        const focused = this.shadowRoot.activeElement;
        controls.forEach((control) => (control.disabled = true));
        scope.setAttribute("aria-busy", "true");
        this.clearError();
        try {
            await action();
        } catch (error) {
            this.report(error);
        } finally {
            controls.forEach((control, index) => (control.disabled = wasDisabled[index]));
            scope.removeAttribute("aria-busy");
            if (focused?.isConnected && !focused.disabled && !this.shadowRoot.activeElement) focused.focus();
        }
    }

    // --- States, errors, announcements ---------------------------------------------------------------

    setState(state) {
        this._phase = state;
        this.dataset.state = state;
    }

    expire() {
        this.stop();
        this.setState("session-expired");
        this.render();
        this.announce(this.t.sessionExpired, "alert");
        const token = this.session;
        if (this._expiredToken !== token) {
            this._expiredToken = token;
            this.emit("folio:session-expired", { component: this.componentName });
        }
    }

    fail(problem) {
        this.stop();
        this.setState("error");
        this.render();
        this.showProblem(problem, null);
        this.emit("folio:error", { problem });
    }

    failLoading(error) {
        if (error instanceof StaleAnswer) return;
        if (!(error instanceof ProblemError)) console.error(error);
        const problem =
            error instanceof ProblemError ? error.problem : { status: 0, code: "internal_error", detail: String(error?.message ?? "") };
        if (!this.handleLoadProblem(problem)) this.fail(problem);
    }

    /** Shows a failed action's problem next to the element's content. */
    report(error) {
        if (error instanceof StaleAnswer) return;
        if (!(error instanceof ProblemError)) console.error(error);
        const problem = error instanceof ProblemError ? error.problem : { status: 0, code: "internal_error", detail: "" };
        const retryAt = error instanceof ProblemError ? error.retryAt : null;
        this.showProblem(problem, retryAt);
        this.emit("folio:error", { problem });
    }

    showProblem(problem, retryAt) {
        this._shownProblem = { problem, retryAt };
        this._error.replaceChildren(...this.problemNodes(problem, retryAt));
        this._error.hidden = false;
        for (const fieldError of problem.errors ?? []) {
            const name = String(fieldError.pointer ?? "").replace(/^\//, "");
            this._content.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute("aria-invalid", "true");
        }
    }

    /** The message for a problem code in the element's language (a function of its context, or text). */
    problemMessage(code) {
        return this.t.problems[code];
    }

    problemNodes(problem, retryAt) {
        const t = this.t;
        const entry = this.problemMessage(problem.code);
        const context = { time: retryAt ? formatTime(retryAt, this.language) : "", count: problem.openInvoices ?? "?" };
        const message = typeof entry === "function" ? entry(context) : entry ?? (problem.detail || t.problems.fallback);
        const nodes = [h("p", {}, message)];
        // A mapped code already says what is wrong with its field; the list is for plain validation failures.
        if (problem.errors?.length && (problem.code === "validation_failed" || !entry)) {
            nodes.push(h("ul", {}, problem.errors.map((e) => h("li", {}, `${t.fields[e.pointer] ?? e.pointer}: ${e.detail ?? ""}`))));
        }
        return nodes;
    }

    forgetInputs() {
        this._drafts.clear();
    }

    /** Empties a field that did its job, in the draft too, so a redraw does not bring its value back. */
    clearInput(name) {
        this._drafts.delete(name);
        const input = this._content.querySelector(`[name="${CSS.escape(name)}"]`);
        if (input) input.value = "";
    }

    clearError() {
        this._shownProblem = null;
        this._error.hidden = true;
        this._error.replaceChildren();
        this._content.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
    }

    announce(text, tone) {
        if (tone) this._status.dataset.tone = tone;
        else delete this._status.dataset.tone;
        if (this._status.textContent !== text) {
            this._status.textContent = text;
            return;
        }
        // Screen readers stay silent when a live region gets the text it already has; emptying it first makes them repeat it.
        this._status.textContent = "";
        setTimeout(() => (this._status.textContent = text), 50);
    }

    emit(name, detail) {
        this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));
    }

    // --- Rendering ------------------------------------------------------------------------------

    /** Redraws the content; typed (non-secret) input values and the focused control survive. */
    render() {
        const focusKey = this.focusKey(this.shadowRoot.activeElement);
        for (const input of this._content.querySelectorAll("input[name], select[name]")) {
            if (input.type !== "password") this._drafts.set(input.name, input.value);
        }
        this._content.replaceChildren(...[this.view()].flat().filter(Boolean));
        for (const input of this._content.querySelectorAll("input[name], select[name]")) {
            if (input.type !== "password" && this._drafts.has(input.name) && !input.hasAttribute("data-fixed")) {
                input.value = this._drafts.get(input.name);
            }
        }
        if (focusKey) this.focusByKey(focusKey);
    }

    focusKey(element) {
        if (!element || !this._content.contains(element)) return null;
        return element.getAttribute("name") || element.dataset.key || element.dataset.invoiceId || null;
    }

    focusByKey(key) {
        const escaped = CSS.escape(key);
        this._content.querySelector(`[name="${escaped}"], [data-key="${escaped}"], [data-invoice-id="${escaped}"]`)?.focus();
    }

    focusFirst(selector) {
        requestAnimationFrame(() => this._content.querySelector(selector)?.focus());
    }

    view() {
        const t = this.t;
        switch (this._phase) {
            case "session-expired":
                // The words "session has expired" are in the status region, so that they appear once.
                return h("p", { class: "muted" }, t.sessionExpiredHint);
            case "error":
                return h("div", { class: "actions" }, button(t.retry, () => this.reload(), { kind: "secondary", key: "retry" }));
            case "loading":
                return h("p", { class: "muted" }, this.session && this.isReadyToLoad() ? t.loading : this.idleText());
            default:
                return this.readyView();
        }
    }

    // --- Hooks for the components -------------------------------------------------------------------

    get componentName() {
        return "";
    }
    isReadyToLoad() {
        return true;
    }
    idleText() {
        return this.t.waiting;
    }
    resetData() {}
    releaseResources() {}
    async load() {}
    async poll() {}
    wantsPolling() {
        return false;
    }
    handleLoadProblem() {
        return false;
    }
    readyView() {
        return null;
    }
}

// ---------------------------------------------------------------------------------------------
// QR images (fetched with the bearer token, shown through object URLs)
// ---------------------------------------------------------------------------------------------

/** Object URLs of QR images by invoice id; the ones no longer shown are revoked. */
class QRCache {
    constructor() {
        this.urls = new Map();
        this.loading = new Map();
    }

    get(id) {
        return this.urls.get(id);
    }

    /** Loads the missing images; `onReady(id, url)` places each one. */
    sync(element, invoices, onReady) {
        const wanted = new Set(invoices.filter(showsQR).map((invoice) => invoice.id));
        for (const [id, url] of this.urls) {
            if (!wanted.has(id)) {
                URL.revokeObjectURL(url);
                this.urls.delete(id);
            }
        }
        for (const id of wanted) {
            if (this.urls.has(id) || this.loading.has(id)) continue;
            const request = element
                .api(element.tenantPath(`/invoices/${encodeURIComponent(id)}/qr.svg`), { as: "blob" })
                .then((blob) => {
                    if (this.urls.has(id)) return;
                    const url = URL.createObjectURL(blob);
                    this.urls.set(id, url);
                    onReady(id, url);
                })
                .catch(() => {
                    // Without its QR code the row still has the payment link; the next sync tries again.
                })
                .finally(() => this.loading.delete(id));
            this.loading.set(id, request);
        }
    }

    clear() {
        for (const url of this.urls.values()) URL.revokeObjectURL(url);
        this.urls.clear();
        this.loading.clear();
    }
}

function showsQR(invoice) {
    return PAYABLE.has(invoice.status) && Boolean(safeURL(invoice.paymentUrl ?? ""));
}

/** The provider's document number, when the invoice has one (Fakturownia's VAT invoice number). */
function documentNumber(invoice) {
    const number = invoice.document?.number;
    return typeof number === "string" && number.trim() ? number : null;
}

/** What the document number is called: a proforma's, until its VAT invoice is issued, or the invoice's. */
function documentNumberLabel(invoice, t) {
    return invoice.document?.kind === "proforma" ? t.proformaNumber : t.documentNumber;
}

/** The proforma a VAT invoice was made from, once the VAT invoice is the invoice's document. */
function proformaNumber(invoice) {
    if (invoice.document?.kind !== "vat") return null;
    const number = invoice.fakturownia?.proforma?.number;
    return typeof number === "string" && number.trim() ? number : null;
}

/** Links to the invoice's document, safe-URL-checked like the payment link: its page, unless that page is the
 * payment page (Invoicebox's, and Fakturownia's too, where the guest pays on the document), and its PDF. */
function documentLinks(invoice, t) {
    const number = documentNumber(invoice);
    // Rows repeat the same link texts; the hidden number tells a screen reader's list of links apart.
    const context = number ? h("span", { class: "visually-hidden" }, t.ofDocument(number)) : null;
    const view = safeURL(invoice.document?.viewUrl ?? "");
    const pdf = safeURL(invoice.document?.pdfUrl ?? "");
    return [
        view && view !== invoice.paymentUrl
            ? h("a", { href: view, target: "_blank", rel: "noopener noreferrer", part: "link document-link" }, t.viewInvoice, context?.cloneNode(true))
            : null,
        pdf ? h("a", { href: pdf, target: "_blank", rel: "noopener noreferrer", type: "application/pdf", part: "link pdf-link" }, t.pdf, context) : null,
    ].filter(Boolean);
}

function qrImage(url, t) {
    return h("img", { class: "qr", part: "qr", alt: t.qrAlt, src: url, width: 160, height: 160 });
}

/** The events a status change raises, shared by the list and the single invoice. */
function emitStatusChange(element, invoice, previousStatus) {
    element.emit("folio:invoice-status-changed", { invoice, previousStatus });
    if (invoice.status === "paid") element.emit("folio:invoice-paid", { invoice });
    if (invoice.status === "canceled") element.emit("folio:invoice-canceled", { invoice });
}

// ---------------------------------------------------------------------------------------------
// <folio-enable-invoicing>
// ---------------------------------------------------------------------------------------------

class FolioEnableInvoicing extends FolioElement {
    static get observedAttributes() {
        return [...super.observedAttributes, "provider"];
    }

    get componentName() {
        return "enable-invoicing";
    }

    /** The provider the host offers for enabling invoicing: `invoicebox` unless `provider` names another. */
    get provider() {
        const value = (this.getAttribute("provider") ?? "").trim().toLowerCase();
        return PROVIDERS.has(value) ? value : "invoicebox";
    }

    set provider(value) {
        if (value) this.setAttribute("provider", String(value));
        else this.removeAttribute("provider");
    }

    /** The provider of what is shown: the tenant's own once it is invited or invoices, else the one offered. */
    get shownProvider() {
        const state = this._invoicing;
        return state && state.state !== "disabled" && PROVIDERS.has(state.provider) ? state.provider : this.provider;
    }

    connectedCallback() {
        upgradeProperty(this, "provider");
        super.connectedCallback();
    }

    attributeChangedCallback(name, oldValue, newValue) {
        if (name !== "provider") {
            super.attributeChangedCallback(name, oldValue, newValue);
            return;
        }
        if (oldValue === newValue || !this._connected) return;
        // The offer changes the ways to enable; a tenant that invoices keeps showing its own provider.
        if (this._mode === "connect") this._mode = "main";
        this.clearError();
        this.render();
    }

    problemMessage(code) {
        const own = this.shownProvider === "fakturownia" ? this.t.fakturowniaProblems[code] : undefined;
        return own ?? super.problemMessage(code);
    }

    /** The last invoicing state read (never holds a secret), for hosts that want to show more. */
    get invoicingState() {
        return this._invoicing ? { ...this._invoicing } : null;
    }

    resetData() {
        this._invoicing = null;
        this._mode = "main";
        this._retryAt = 0;
        this._requestedPrefix = null;
        this._opening = null;
    }

    async load() {
        this.apply(await this.api(this.tenantPath("/invoicing")));
    }

    poll() {
        return this.load();
    }

    apply(invoicing) {
        this._invoicing = invoicing;
        this._mode = "main";
        this.setState(invoicing.state);
        this.render();
        this.scheduleResendHint();
    }

    readyView() {
        const fakturownia = this.shownProvider === "fakturownia";
        if (this._mode === "connect") return fakturownia ? this.accountConnectView() : this.connectView();
        switch (this._invoicing?.state) {
            case "invited":
                return this.invitedView();
            case "active":
                return fakturownia ? this.accountActiveView() : this.activeView();
            default:
                return fakturownia ? this.accountOpenView() : this.disabledView();
        }
    }

    // --- Disabled: the e-mail form ------------------------------------------------------------------

    disabledView() {
        const t = this.t;
        const form = h(
            "form",
            { part: "form", onsubmit: (event) => this.invite(event, form.elements.email.value) },
            field(t.email, h("input", { type: "email", name: "email", required: true, autocomplete: "email", maxlength: 100 })),
            h("div", { class: "actions" }, button(t.sendInvitation, null, { type: "submit", key: "invite" })),
        );
        return [h("h2", { part: "heading" }, t.enableHeading), h("p", { class: "muted" }, t.enableIntro), form, this.connectLink()];
    }

    connectLink() {
        const text = this.shownProvider === "fakturownia" ? this.t.fakturowniaConnectExisting : this.t.connectExisting;
        return h("p", {}, button(text, () => this.showConnect(), { kind: "link", key: "connect" }));
    }

    invite(event, email) {
        event.preventDefault();
        return this.run(event.currentTarget, async () => {
            const state = await this.api(this.tenantPath("/invoicing/invite"), { method: "POST", body: { email: email.trim() } });
            this.clearInput("activationCode");
            this.apply(state);
            this.announce(this.t.announceInvited(state.invitedEmail ?? email));
            this.emit("folio:invited", { state });
            this.focusFirst('input[name="activationCode"]');
        }).then(() => this.rememberRetry());
    }

    /** After a refused invite the error names the time; the hint under "Send again" follows it. */
    rememberRetry() {
        const until = this._lastRetryAt;
        this._lastRetryAt = null;
        if (until && until > Date.now() && until > this._retryAt) {
            this._retryAt = until;
            this.render();
            this.scheduleResendHint();
        }
    }

    report(error) {
        if (error instanceof ProblemError && error.retryAt) this._lastRetryAt = error.retryAt;
        super.report(error);
    }

    // --- Invited: the activation code ---------------------------------------------------------------

    resendAt() {
        const invitedAt = Date.parse(this._invoicing?.invitedAt ?? "");
        const byInvite = Number.isNaN(invitedAt) ? 0 : invitedAt + INVITE_INTERVAL_MS;
        return Math.max(byInvite, this._retryAt);
    }

    scheduleResendHint() {
        const wait = this.resendAt() - Date.now();
        if (this._invoicing?.state === "invited" && wait > 0) this.later(() => this.render(), wait + 250);
    }

    invitedView() {
        const t = this.t;
        const email = this._invoicing.invitedEmail ?? "";
        const resendAt = this.resendAt();
        const form = h(
            "form",
            { part: "form", onsubmit: (event) => this.activate(event, form.elements.activationCode.value) },
            field(
                t.activationCode,
                h("input", {
                    type: "text",
                    name: "activationCode",
                    required: true,
                    autocomplete: "one-time-code",
                    inputmode: "numeric",
                    maxlength: 36,
                }),
            ),
            h("div", { class: "actions" }, button(t.activate, null, { type: "submit", key: "activate" })),
        );
        const resend = h(
            "div",
            { class: "actions resend" },
            h("span", { class: "muted" }, resendAt > Date.now() ? t.resendAt(formatTime(resendAt, this.language)) : t.resendNow),
            button(t.sendAgain, (event) => this.resend(event), { kind: "secondary", key: "resend" }),
        );
        return [
            h("h2", { part: "heading" }, t.invitedHeading),
            h("p", {}, t.invitedIntro(email)),
            form,
            resend,
            this.connectLink(),
        ];
    }

    resend(event) {
        const email = this._invoicing?.invitedEmail || this._drafts.get("email") || "";
        const scope = event.currentTarget.closest(".resend");
        return this.run(scope, async () => {
            const state = await this.api(this.tenantPath("/invoicing/invite"), { method: "POST", body: { email } });
            this._retryAt = 0;
            this.apply(state);
            this.announce(this.t.announceInvited(state.invitedEmail ?? email));
            this.emit("folio:invited", { state });
        }).then(() => this.rememberRetry());
    }

    activate(event, code) {
        event.preventDefault();
        return this.run(event.currentTarget, async () => {
            const state = await this.api(this.tenantPath("/invoicing/activate"), { method: "POST", body: { activationCode: code.trim() } });
            this.clearInput("activationCode");
            this.apply(state);
            this.announce(this.t.announceActivated);
            this.emit("folio:activated", { state });
            this.focusFirst("h2");
        });
    }

    // --- Connecting an existing shop ------------------------------------------------------------

    showConnect() {
        this._mode = "connect";
        this.clearError();
        this.render();
        this.focusFirst("form input");
    }

    connectView() {
        const t = this.t;
        const form = h(
            "form",
            { part: "form", onsubmit: (event) => this.connect(event, form) },
            field(
                t.merchantId,
                h("input", {
                    type: "text",
                    name: "merchantId",
                    required: true,
                    autocomplete: "off",
                    spellcheck: "false",
                    pattern: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                    placeholder: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                }),
            ),
            field(t.apiToken, h("input", { type: "password", name: "token", required: true, autocomplete: "off" })),
            field(t.notificationKey, h("input", { type: "password", name: "notificationKey", autocomplete: "off" })),
            h(
                "div",
                { class: "actions" },
                button(t.connectShop, null, { type: "submit", key: "connect-shop" }),
                button(t.back, () => this.leaveConnect(), { kind: "secondary", key: "back" }),
            ),
        );
        return [h("h2", { part: "heading" }, t.connectHeading), h("p", { class: "muted" }, t.connectIntro), form];
    }

    leaveConnect() {
        this._mode = "main";
        this.clearError();
        this.render();
        this.focusFirst("input, button");
    }

    connect(event, form) {
        event.preventDefault();
        const body = { merchantId: form.elements.merchantId.value.trim(), token: form.elements.token.value };
        const key = form.elements.notificationKey.value;
        if (key) body.notificationKey = key;
        return this.run(form, async () => {
            const state = await this.api(this.tenantPath("/invoicing/credentials"), { method: "PUT", body });
            this.apply(state);
            this.announce(this.t.announceActivated);
            this.emit("folio:activated", { state });
            this.focusFirst("h2");
        });
    }

    // --- Active: the shop and its settings ----------------------------------------------------------

    activeView() {
        const t = this.t;
        const state = this._invoicing;
        const facts = h("dl", { class: "facts" });
        const addFact = (term, ...value) => facts.append(h("dt", {}, term), h("dd", {}, ...value));
        if (state.merchantId) addFact(t.merchantId, h("code", {}, state.merchantId));
        if (state.tokenLastFour) {
            const four = state.tokenLastFour;
            addFact(t.apiToken, h("span", { "aria-hidden": "true" }, `•••• ${four}`), h("span", { class: "visually-hidden" }, t.tokenEnding(four)));
        }
        const algorithm = state.hasNotificationKey ? KEY_ALGORITHMS[state.notificationKeyAlgorithm] : null;
        addFact(
            t.notificationKeyLabel,
            h("span", { part: "notification-key-status" }, state.hasNotificationKey ? t.keySet : t.keyNotSet),
            algorithm ? [" · ", h("span", { part: "notification-key-algorithm" }, algorithm)] : null,
        );
        if (state.previousNotificationKeyValidUntil) {
            addFact(t.previousKeyValidUntil, formatDateTime(state.previousNotificationKeyValidUntil, this.language));
        }
        if (state.activatedAt) addFact(t.activeSince, formatDateTime(state.activatedAt, this.language));
        const nodes = [
            h("h2", { part: "heading", tabindex: "-1" }, t.activeHeading),
            h("p", { class: "muted" }, t.activeIntro),
            facts,
            this.notificationKeyView(),
        ];
        if (state.notificationUrl) nodes.push(this.notificationURLView(state.notificationUrl));
        nodes.push(this.disableView());
        return nodes;
    }

    // --- Active: the notification key -------------------------------------------------------------

    notificationKeyView() {
        const t = this.t;
        if (this._mode === "key-form") return this.keyFormView();
        if (this._mode === "confirm-remove-key") return this.confirmRemoveKeyView();
        const hasKey = this._invoicing.hasNotificationKey;
        return h(
            "div",
            { class: "actions key-actions" },
            button(hasKey ? t.replaceKey : t.setKey, () => this.showKeyForm(), { kind: "secondary", key: "set-key" }),
            hasKey ? button(t.removeKey, () => this.askRemoveKey(), { kind: "secondary", key: "remove-key" }) : null,
        );
    }

    showKeyForm() {
        this._mode = "key-form";
        // A form opened anew starts from the shop's current settings, not from choices left in an earlier one.
        this._drafts.delete("algorithm");
        this._drafts.delete("graceSeconds");
        this.clearError();
        this.render();
        this.focusFirst('input[name="key"]');
    }

    keyFormView() {
        const t = this.t;
        const state = this._invoicing;
        const replacing = state.hasNotificationKey;
        // The shop usually keeps its algorithm when it changes the key, so a replacement starts from the current one.
        const current = (replacing && state.notificationKeyAlgorithm) || DEFAULT_KEY_ALGORITHM;
        const algorithms = Object.entries(KEY_ALGORITHMS).map(([value, name]) =>
            h("option", { value, selected: value === current }, value === DEFAULT_KEY_ALGORITHM ? t.defaultAlgorithm(name) : name),
        );
        const grace = replacing
            ? field(
                  t.keyGrace,
                  h("select", { name: "graceSeconds" }, KEY_GRACE_PERIODS.map((seconds) => h("option", { value: seconds }, t.gracePeriods[seconds]))),
                  t.keyGraceHint,
              )
            : null;
        const heading = replacing ? t.replaceKey : t.setKey;
        const form = h(
            "form",
            { part: "form", "aria-labelledby": "key-form-heading", onsubmit: (event) => this.saveKey(event, form) },
            // The key is write-only: a password field, never kept in the drafts, never shown back.
            field(
                t.keyField,
                h("input", {
                    type: "password",
                    name: "key",
                    required: true,
                    autocomplete: "off",
                    spellcheck: "false",
                    maxlength: 256,
                    // What the API accepts: visible ASCII, no spaces.
                    pattern: "[!-~]+",
                }),
                t.keyHint,
            ),
            field(t.keyAlgorithm, h("select", { name: "algorithm" }, algorithms), t.keyAlgorithmHint),
            grace,
            h(
                "div",
                { class: "actions" },
                button(t.saveKey, null, { type: "submit", key: "save-key" }),
                button(t.cancel, () => this.leaveKeyMode(), { kind: "secondary", key: "cancel-key" }),
            ),
        );
        return h("section", { class: "key-form" }, h("h3", { id: "key-form-heading" }, heading), form);
    }

    leaveKeyMode() {
        this._mode = "main";
        this.clearError();
        this.render();
        this.focusFirst('[data-key="set-key"]');
    }

    saveKey(event, form) {
        event.preventDefault();
        const keyInput = form.elements.namedItem("key");
        // A key never contains spaces, so trimming only drops what a paste brought along.
        const body = { key: keyInput.value.trim(), algorithm: form.elements.namedItem("algorithm").value };
        const grace = form.elements.namedItem("graceSeconds");
        if (grace) body.graceSeconds = Number(grace.value);
        return this.run(form, async () => {
            const state = await this.api(this.tenantPath("/invoicing/notification-key"), { method: "PUT", body });
            keyInput.value = "";
            this.apply(state);
            this.announce(this.t.announceKeySaved);
            this.emit("folio:notification-key-changed", { state });
            this.focusFirst('[data-key="set-key"]');
        });
    }

    askRemoveKey() {
        this._mode = "confirm-remove-key";
        this.clearError();
        this.render();
        this.focusFirst('[data-key="keep-key"]');
    }

    confirmRemoveKeyView() {
        const t = this.t;
        const box = h(
            "div",
            { class: "notice confirm key-form", role: "group", "aria-labelledby": "remove-key-question" },
            h("p", { id: "remove-key-question" }, t.removeKeyConfirm),
            h(
                "div",
                { class: "actions" },
                button(t.yesRemove, () => this.removeKey(box), { kind: "danger", key: "yes-remove-key" }),
                button(t.keepKey, () => this.leaveKeyMode(), { kind: "secondary", key: "keep-key" }),
            ),
        );
        return box;
    }

    removeKey(box) {
        return this.run(box, async () => {
            try {
                const state = await this.api(this.tenantPath("/invoicing/notification-key"), { method: "DELETE" });
                this.apply(state);
                this.announce(this.t.announceKeyRemoved);
                this.emit("folio:notification-key-changed", { state });
                this.focusFirst('[data-key="set-key"]');
            } catch (error) {
                // The question is answered either way; the problem stays on screen next to the key's buttons.
                if (error instanceof ProblemError) {
                    this._mode = "main";
                    this.render();
                    this.focusFirst('[data-key="set-key"]');
                }
                throw error;
            }
        });
    }

    // --- Active: the notification URL, disabling --------------------------------------------------

    notificationURLView(url) {
        const t = this.t;
        const code = h("code", { part: "notification-url", id: "notification-url" }, url);
        return h(
            "section",
            { class: "notice", "aria-labelledby": "notification-url-label" },
            h("h3", { id: "notification-url-label" }, t.notificationUrl),
            h(
                "div",
                { class: "notification-url" },
                code,
                button(t.copy, (event) => this.copy(event.currentTarget, code, url), { kind: "secondary", key: "copy" }),
            ),
            h("p", { class: "hint" }, t.notificationUrlHint),
        );
    }

    async copy(copyButton, code, url) {
        try {
            await navigator.clipboard.writeText(url);
            copyButton.textContent = this.t.copied;
            this.announce(this.t.announceCopied);
            this.later(() => copyButton.isConnected && (copyButton.textContent = this.t.copy), 2000);
        } catch {
            // Without clipboard access (an insecure origin, a denied permission) the text is selected for Ctrl+C.
            const range = document.createRange();
            range.selectNodeContents(code);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            this.announce(this.t.copySelected);
        }
    }

    disableView() {
        if (this._mode === "confirm-disable") return this.confirmDisableView();
        return h("div", { class: "actions" }, button(this.t.disable, () => this.askDisable(), { kind: "secondary", key: "disable" }));
    }

    askDisable() {
        this._mode = "confirm-disable";
        this.clearError();
        this.render();
        this.focusFirst('[data-key="keep-on"]');
    }

    confirmDisableView() {
        const t = this.t;
        const box = h(
            "div",
            { class: "notice confirm", role: "group", "aria-labelledby": "disable-question" },
            h("p", { id: "disable-question" }, t.disableConfirm),
            h(
                "div",
                { class: "actions" },
                button(t.yesDisable, () => this.disable(box), { kind: "danger", key: "yes-disable" }),
                button(t.keepOn, () => this.keepOn(), { kind: "secondary", key: "keep-on" }),
            ),
        );
        return box;
    }

    keepOn() {
        this._mode = "main";
        this.render();
        this.focusFirst('[data-key="disable"]');
    }

    disable(box) {
        return this.run(box, async () => {
            try {
                const state = await this.api(this.tenantPath("/invoicing"), { method: "DELETE" });
                this._requestedPrefix = null;
                this.apply(state ?? { state: "disabled", hasNotificationKey: false });
                this.announce(this.t.announceDisabled);
                this.emit("folio:disabled", { state: this.invoicingState });
                this.focusFirst("form input");
            } catch (error) {
                // The question is answered either way; the problem (e.g. open invoices) stays on screen.
                if (error instanceof ProblemError) {
                    this._mode = "main";
                    this.render();
                    this.focusFirst('[data-key="disable"]');
                }
                throw error;
            }
        });
    }

    // --- Fakturownia: opening an account, connecting one, the account --------------------------------

    prefixField(hint) {
        const input = h("input", {
            type: "text",
            name: "fakturownia/prefix",
            required: true,
            autocomplete: "off",
            autocapitalize: "none",
            spellcheck: "false",
            minlength: 3,
            maxlength: 40,
            // What the API accepts: lowercase letters, digits and inner hyphens (the first label of a host name).
            pattern: "[a-z0-9][a-z0-9\\-]*[a-z0-9]",
        });
        return field(this.t.accountPrefix, input, hint);
    }

    accountOpenView() {
        const t = this.t;
        const form = h(
            "form",
            { part: "form", onsubmit: (event) => this.openAccount(event, form) },
            this.prefixField(t.accountPrefixHint),
            field(t.email, h("input", { type: "email", name: "fakturownia/email", required: true, autocomplete: "email", maxlength: 100 }), t.ownerEmailHint),
            field(
                t.companyName,
                h("input", { type: "text", name: "fakturownia/company/name", required: true, autocomplete: "organization", maxlength: 200 }),
                t.companyNameHint,
            ),
            field(t.taxNumber, h("input", { type: "text", name: "fakturownia/company/taxNumber", autocomplete: "off", spellcheck: "false", maxlength: 20 })),
            h("div", { class: "actions" }, button(t.openAccount, null, { type: "submit", key: "open-account" })),
        );
        return [h("h2", { part: "heading" }, t.fakturowniaEnableHeading), h("p", { class: "muted" }, t.fakturowniaEnableIntro), form, this.connectLink()];
    }

    openAccount(event, form) {
        event.preventDefault();
        const value = (name) => form.elements.namedItem(name).value.trim();
        const requested = value("fakturownia/prefix");
        const company = { name: value("fakturownia/company/name") };
        if (value("fakturownia/company/taxNumber")) company.taxNumber = value("fakturownia/company/taxNumber");
        const account = { prefix: requested, email: value("fakturownia/email"), language: this.language === "pl" ? "pl" : "en", company };
        const body = { provider: "fakturownia", fakturownia: account };
        return this.run(form, async () => {
            const headers = { "Idempotency-Key": this.openingKey(body) };
            const state = await this.api(this.tenantPath("/invoicing/account"), { method: "POST", body, headers });
            this._opening = null;
            this._requestedPrefix = requested;
            this.apply(state);
            this.forgetAccountDrafts();
            this.announce(this.t.announceAccountOpened(state.fakturownia?.prefix ?? requested));
            this.emit("folio:activated", { state });
            this.focusFirst("h2");
        });
    }

    /** Once the account is on, the forms' values are done with: a form shown after disabling starts empty. */
    forgetAccountDrafts() {
        for (const name of [...this._drafts.keys()]) if (name.startsWith("fakturownia/")) this._drafts.delete(name);
    }

    /** One key per distinct request: sending the same one again after a lost answer never opens a second account. */
    openingKey(body) {
        const request = JSON.stringify(body);
        if (this._opening?.request !== request) {
            // getRandomValues, unlike randomUUID, works on a host page served over plain HTTP too.
            const random = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
            this._opening = { request, key: `folio-open-account-${random}` };
        }
        return this._opening.key;
    }

    accountConnectView() {
        const t = this.t;
        const form = h(
            "form",
            { part: "form", onsubmit: (event) => this.connectAccount(event, form) },
            this.prefixField(t.connectPrefixHint),
            // The token is write-only: a password field, never kept in the drafts, never shown back.
            field(
                t.apiToken,
                h("input", { type: "password", name: "fakturownia/apiToken", required: true, autocomplete: "off", spellcheck: "false", minlength: 8, maxlength: 512 }),
            ),
            h(
                "div",
                { class: "actions" },
                button(t.connectAccount, null, { type: "submit", key: "connect-account" }),
                button(t.back, () => this.leaveConnect(), { kind: "secondary", key: "back" }),
            ),
        );
        return [h("h2", { part: "heading" }, t.fakturowniaConnectExisting), h("p", { class: "muted" }, t.fakturowniaConnectIntro), form];
    }

    connectAccount(event, form) {
        event.preventDefault();
        const tokenInput = form.elements.namedItem("fakturownia/apiToken");
        const account = { prefix: form.elements.namedItem("fakturownia/prefix").value.trim(), apiToken: tokenInput.value.trim() };
        return this.run(form, async () => {
            const state = await this.api(this.tenantPath("/invoicing/account"), { method: "PUT", body: { provider: "fakturownia", fakturownia: account } });
            tokenInput.value = "";
            this._requestedPrefix = null;
            this.apply(state);
            this.forgetAccountDrafts();
            this.announce(this.t.announceAccountConnected);
            this.emit("folio:activated", { state });
            this.focusFirst("h2");
        });
    }

    accountActiveView() {
        const t = this.t;
        const state = this._invoicing;
        const account = state.fakturownia ?? {};
        const prefix = account.prefix ?? state.merchantId ?? "";
        const facts = h("dl", { class: "facts" });
        const addFact = (term, ...value) => facts.append(h("dt", {}, term), h("dd", {}, ...value));
        if (account.accountUrl) addFact(t.accountAddress, h("code", { part: "account-url" }, account.accountUrl));
        addFact(t.accountPrefix, h("code", { part: "account-prefix" }, prefix));
        // An account Folio opened has a token the hotel never saw; one it connected shows the token it was given.
        if (state.tokenLastFour && !account.loginUrl) {
            const four = state.tokenLastFour;
            addFact(t.apiToken, h("span", { "aria-hidden": "true" }, `•••• ${four}`), h("span", { class: "visually-hidden" }, t.tokenEnding(four)));
        }
        if (Number.isInteger(account.webhooks)) {
            addFact(t.webhooks, h("span", { part: "webhooks" }, t.webhookCount(account.webhooks)), h("p", { class: "hint" }, t.webhooksHint));
        }
        if (state.activatedAt) addFact(t.activeSince, formatDateTime(state.activatedAt, this.language));
        const granted = this._requestedPrefix && prefix && this._requestedPrefix !== prefix ? prefix : null;
        const login = safeURL(account.loginUrl ?? "");
        return [
            h("h2", { part: "heading", tabindex: "-1" }, t.fakturowniaActiveHeading),
            h("p", { class: "muted" }, t.fakturowniaActiveIntro),
            granted
                ? h("p", { class: "notice granted", part: "prefix-granted" }, t.prefixGranted(h("code", {}, granted), h("code", {}, this._requestedPrefix)))
                : null,
            facts,
            login
                ? h(
                      "p",
                      { class: "login" },
                      h(
                          "a",
                          { href: login, target: "_blank", rel: "noopener", class: "button secondary", part: "login-link" },
                          t.logIn,
                          h("span", { class: "visually-hidden" }, ` ${t.opensInNewTab}`),
                      ),
                  )
                : null,
            this.disableView(),
        ];
    }
}

// ---------------------------------------------------------------------------------------------
// <folio-invoice-list>
// ---------------------------------------------------------------------------------------------

class FolioInvoiceList extends FolioElement {
    constructor() {
        super();
        this._qr = new QRCache();
        this._filters = { status: "", reservationId: "" };
    }

    get componentName() {
        return "invoice-list";
    }

    resetData() {
        this._page = null;
        this._cursor = undefined;
        this._olderCursors = [];
        this._selected = null;
    }

    releaseResources() {
        this._qr?.clear();
    }

    fetchPage(cursor) {
        return this.api(this.tenantPath("/invoices"), {
            query: { limit: PAGE_SIZE, cursor, status: this._filters.status, reservationId: this._filters.reservationId },
        });
    }

    async load() {
        this.show(await this.fetchPage(this._cursor));
    }

    show(page) {
        this._page = { items: page.items ?? [], nextCursor: page.nextCursor };
        this.setState(this._page.items.length ? "ready" : "empty");
        this.render();
        this._qr.sync(this, this._page.items, (id, url) => this.placeQR(id, url));
    }

    wantsPolling() {
        return Boolean(this._page?.items.some((invoice) => UNSETTLED.has(invoice.status)));
    }

    /** Reads the shown page again and reports every invoice whose status moved. */
    async poll() {
        const cursor = this._cursor;
        const page = await this.fetchPage(cursor);
        if (cursor !== this._cursor) return;
        const before = new Map(this._page.items.map((invoice) => [invoice.id, invoice.status]));
        const changed = (page.items ?? []).filter((invoice) => before.has(invoice.id) && before.get(invoice.id) !== invoice.status);
        // Redrawing an unchanged page every few seconds would only disturb someone typing or reading.
        if (JSON.stringify([page.items ?? [], page.nextCursor]) !== JSON.stringify([this._page.items, this._page.nextCursor])) this.show(page);
        if (!changed.length) return;
        const t = this.t;
        this.announce(changed.map((invoice) => t.statusChanged(invoice.reservationId, t.statuses[invoice.status] ?? invoice.status)).join(" "));
        for (const invoice of changed) emitStatusChange(this, invoice, before.get(invoice.id));
    }

    // --- Filters and paging -------------------------------------------------------------------------

    forgetInputs() {
        super.forgetInputs();
        this._filters = { status: "", reservationId: "" };
    }

    applyFilters(form) {
        this._filters = { status: form.elements.status.value, reservationId: form.elements.reservationId.value.trim() };
        return this.turnPage(form, undefined, []);
    }

    /** Shows the page at `cursor`; `olderCursors` is the stack "Newer" walks back through (undefined is the first page). */
    turnPage(scope, cursor, olderCursors) {
        return this.run(scope, async () => {
            const page = await this.fetchPage(cursor);
            this._cursor = cursor;
            this._olderCursors = olderCursors;
            this.show(page);
            this.schedulePoll();
        });
    }

    older(event) {
        if (!this._page?.nextCursor) return;
        return this.turnPage(event.currentTarget.closest("nav"), this._page.nextCursor, [...this._olderCursors, this._cursor]);
    }

    newer(event) {
        if (!this._olderCursors.length) return;
        return this.turnPage(event.currentTarget.closest("nav"), this._olderCursors.at(-1), this._olderCursors.slice(0, -1));
    }

    // --- Rows ------------------------------------------------------------------------------------

    select(invoiceId) {
        this._selected = invoiceId;
        for (const row of this._content.querySelectorAll(".row")) {
            row.setAttribute("aria-current", row.dataset.invoiceId === invoiceId ? "true" : "false");
        }
        this.emit("folio:invoice-selected", { invoiceId });
    }

    onRowClick(event, invoice) {
        if (event.target.closest("a, button")) return;
        this.select(invoice.id);
    }

    onRowKey(event, invoice) {
        if (event.target !== event.currentTarget) return;
        const row = event.currentTarget;
        const moves = {
            ArrowDown: row.nextElementSibling,
            ArrowUp: row.previousElementSibling,
            Home: row.parentElement.firstElementChild,
            End: row.parentElement.lastElementChild,
        };
        if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            this.select(invoice.id);
        } else if (event.key in moves) {
            event.preventDefault();
            moves[event.key]?.focus();
        }
    }

    placeQR(id, url) {
        const slot = this._content.querySelector(`.qr-slot[data-for="${CSS.escape(id)}"]`);
        if (slot && !slot.firstChild) slot.append(qrImage(url, this.t));
    }

    rowView(invoice) {
        const t = this.t;
        const lang = this.language;
        const link = PAYABLE.has(invoice.status) ? safeURL(invoice.paymentUrl ?? "") : null;
        const qrURL = this._qr.get(invoice.id);
        const number = documentNumber(invoice);
        return h(
            "li",
            {
                class: "row",
                part: "row",
                tabindex: "0",
                "aria-describedby": "row-hint",
                "aria-current": this._selected === invoice.id ? "true" : "false",
                dataset: { invoiceId: invoice.id, status: invoice.status },
                onclick: (event) => this.onRowClick(event, invoice),
                onkeydown: (event) => this.onRowKey(event, invoice),
            },
            h(
                "div",
                {},
                h("div", { class: "title" }, invoice.reservationId),
                h("div", { class: "muted" }, invoice.description),
                number ? h("div", { class: "muted", part: "document-number" }, `${documentNumberLabel(invoice, t)} ${number}`) : null,
                h("div", { class: "muted" }, h("time", { datetime: invoice.createdAt }, formatDateTime(invoice.createdAt, lang))),
            ),
            h("div", { class: "amount" }, formatMinor(invoice.amount, invoice.currency, lang)),
            badge(invoice.status, t),
            h(
                "div",
                { class: "pay" },
                h(
                    "div",
                    { class: "links" },
                    link ? h("a", { href: link, target: "_blank", rel: "noopener noreferrer", part: "link" }, t.pay) : null,
                    documentLinks(invoice, t),
                ),
                showsQR(invoice) ? h("span", { class: "qr-slot", dataset: { for: invoice.id } }, qrURL ? qrImage(qrURL, t) : null) : null,
            ),
        );
    }

    readyView() {
        const t = this.t;
        const items = this._page?.items ?? [];
        const filtered = Boolean(this._filters.status || this._filters.reservationId);
        const list = items.length
            ? h("ol", { class: "rows", part: "list", "aria-label": t.invoices }, items.map((invoice) => this.rowView(invoice)))
            : h("p", { class: "muted empty" }, filtered ? t.emptyFiltered : t.empty);
        return [
            h("h2", { part: "heading" }, t.invoices),
            this.filtersView(),
            h("p", { class: "visually-hidden", id: "row-hint" }, t.rowHint),
            list,
            this.pagerView(),
        ];
    }

    filtersView() {
        const t = this.t;
        const status = h(
            "select",
            { name: "status", onchange: () => this.applyFilters(form) },
            h("option", { value: "" }, t.allStatuses),
            STATUSES.map((value) => h("option", { value, selected: this._filters.status === value }, t.statuses[value])),
        );
        const reservation = h("input", {
            type: "search",
            name: "reservationId",
            maxlength: 128,
            autocomplete: "off",
            value: this._filters.reservationId,
        });
        const form = h(
            "form",
            { part: "form", class: "filters", role: "search", onsubmit: (event) => (event.preventDefault(), this.applyFilters(form)) },
            field(t.status, status),
            field(t.reservation, reservation),
            h("div", { class: "actions" }, button(t.filter, null, { type: "submit", kind: "secondary", key: "filter" })),
        );
        // The applied filter, not a stale draft, is what the controls must show after a redraw.
        status.setAttribute("data-fixed", "");
        return form;
    }

    pagerView() {
        const t = this.t;
        const newer = button(t.newer, (event) => this.newer(event), { kind: "secondary", key: "newer" });
        const older = button(t.older, (event) => this.older(event), { kind: "secondary", key: "older" });
        newer.disabled = this._olderCursors.length === 0;
        older.disabled = !this._page?.nextCursor;
        return h("nav", { class: "pager", "aria-label": t.pages }, newer, older);
    }
}

// ---------------------------------------------------------------------------------------------
// <folio-invoice invoice-id="…">
// ---------------------------------------------------------------------------------------------

class FolioInvoice extends FolioElement {
    static get observedAttributes() {
        return [...super.observedAttributes, "invoice-id"];
    }

    constructor() {
        super();
        this._qr = new QRCache();
    }

    get componentName() {
        return "invoice";
    }

    get invoiceId() {
        return this.getAttribute("invoice-id");
    }

    set invoiceId(id) {
        if (id) this.setAttribute("invoice-id", id);
        else this.removeAttribute("invoice-id");
    }

    isReadyToLoad() {
        return Boolean(this.invoiceId);
    }

    idleText() {
        return this.session ? this.t.noInvoice : this.t.waiting;
    }

    resetData() {
        this._invoice = null;
        this._events = [];
        this._after = 0;
        this._confirming = false;
    }

    releaseResources() {
        this._qr?.clear();
    }

    invoicePath(suffix = "") {
        return this.tenantPath(`/invoices/${encodeURIComponent(this.invoiceId)}${suffix}`);
    }

    async load() {
        const invoice = await this.api(this.invoicePath());
        await this.readEvents();
        this.show(invoice);
    }

    handleLoadProblem(problem) {
        if (problem.status !== 404 || problem.code === "tenant_not_found") return false;
        this.setState("not-found");
        this.render();
        return true;
    }

    show(invoice) {
        this._invoice = invoice;
        this.setState("ready");
        this.render();
        this._qr.sync(this, [invoice], (id, url) => this.placeQR(url));
    }

    /** Reads the invoice's events after the last one seen; true when one of them changed the invoice. */
    async readEvents() {
        let changed = false;
        for (let pages = 0; pages < 20; pages += 1) {
            const page = await this.api(this.tenantPath("/events"), { query: { invoiceId: this.invoiceId, after: this._after, limit: 100 } });
            for (const event of page.items ?? []) {
                if (event.sequence <= this._after) continue;
                this._after = event.sequence;
                // The server filters by invoice already; this keeps the tenant's other events out regardless.
                if (event.invoiceId !== this.invoiceId) continue;
                this._events.push(event);
                if (event.type.startsWith("invoice.")) changed = true;
            }
            if (!page.nextCursor || !page.items?.length) break;
        }
        return changed;
    }

    wantsPolling() {
        return Boolean(this._invoice);
    }

    async poll() {
        const count = this._events.length;
        const changed = await this.readEvents();
        if (!changed) {
            if (this._events.length !== count) this.render();
            return;
        }
        this.update(await this.api(this.invoicePath()));
    }

    /** Shows a newer copy of the invoice and tells the host when its status moved. */
    update(invoice) {
        const previousStatus = this._invoice?.status;
        this.show(invoice);
        if (previousStatus && previousStatus !== invoice.status) {
            this.announce(this.t.statusChanged(invoice.reservationId, this.t.statuses[invoice.status] ?? invoice.status));
            emitStatusChange(this, invoice, previousStatus);
        }
    }

    placeQR(url) {
        const slot = this._content.querySelector(".qr-slot");
        if (slot && !slot.firstChild) slot.append(qrImage(url, this.t));
    }

    // --- Canceling ------------------------------------------------------------------------------

    askCancel() {
        this._confirming = true;
        this.clearError();
        this.render();
        this.focusFirst('[data-key="keep-invoice"]');
    }

    keepInvoice() {
        this._confirming = false;
        this.render();
        this.focusFirst('[data-key="cancel"]');
    }

    cancel(box) {
        return this.run(box, async () => {
            this._confirming = false;
            try {
                const answer = await this.api(this.invoicePath("/cancel"), { method: "POST" });
                this.update(answer?.id ? answer : await this.api(this.invoicePath()));
                this.announce(this.t.announceCanceled);
                // The history shows the cancellation now rather than on the next poll.
                await this.pollInOrder().catch(() => {});
            } catch (error) {
                // A refused cancel usually means the invoice moved on (paid, expired): show what it is now.
                if (error instanceof ProblemError) this.api(this.invoicePath()).then((invoice) => this.update(invoice), () => this.render());
                throw error;
            }
        });
    }

    // --- Views ----------------------------------------------------------------------------------

    view() {
        if (this._phase === "not-found") return h("p", { class: "muted" }, this.t.notFound);
        return super.view();
    }

    readyView() {
        const t = this.t;
        const invoice = this._invoice;
        if (!invoice) return null;
        return [
            h("header", { class: "invoice" }, h("h2", { part: "heading" }, t.invoiceHeading(invoice.reservationId)), badge(invoice.status, t)),
            h("p", {}, invoice.description),
            this.factsView(invoice),
            this.linesView(invoice),
            this.paymentView(invoice),
            this.cancelView(invoice),
            h("h3", { id: "history-heading", class: "history-heading" }, t.history),
            this.historyView(),
        ];
    }

    factsView(invoice) {
        const t = this.t;
        const lang = this.language;
        const facts = h("dl", { class: "facts" });
        const add = (term, iso) => iso && facts.append(h("dt", {}, term), h("dd", {}, h("time", { datetime: iso }, formatDateTime(iso, lang))));
        const number = documentNumber(invoice);
        if (number) facts.append(h("dt", {}, documentNumberLabel(invoice, t)), h("dd", { part: "document-number" }, number));
        const proforma = proformaNumber(invoice);
        if (proforma) facts.append(h("dt", {}, t.proformaNumber), h("dd", { part: "proforma-number" }, proforma));
        add(t.createdAt, invoice.createdAt);
        if (PAYABLE.has(invoice.status)) add(t.expiresAt, invoice.expiresAt);
        add(t.paidAt, invoice.paidAt);
        add(t.canceledAt, invoice.canceledAt);
        return facts;
    }

    linesView(invoice) {
        const t = this.t;
        const money = (minor) => formatMinor(minor, invoice.currency, this.language);
        const rows = (invoice.items ?? []).map((item) =>
            h(
                "tr",
                {},
                h("td", {}, item.name),
                h("td", { class: "number" }, String(item.quantity)),
                h("td", { class: "number" }, money(item.unitPrice)),
                h("td", {}, h("abbr", { title: item.vatCode }, t.vatCodes[item.vatCode] ?? item.vatCode)),
                h("td", { class: "number" }, money(item.vatAmount)),
                h("td", { class: "number" }, money(item.amount)),
            ),
        );
        const total = (label, minor) => h("tr", {}, h("th", { scope: "row", colspan: 5 }, label), h("td", { class: "number" }, money(minor)));
        return h(
            "table",
            { part: "lines" },
            h("caption", {}, t.lines),
            h(
                "thead",
                {},
                h(
                    "tr",
                    {},
                    [t.item, t.quantity, t.unitPrice, t.vat, t.vatAmount, t.lineAmount].map((label, index) =>
                        h("th", { scope: "col", class: index === 0 || index === 3 ? null : "number" }, label),
                    ),
                ),
            ),
            h("tbody", {}, rows),
            h(
                "tfoot",
                {},
                total(t.total, invoice.amount),
                total(t.vatTotal, invoice.vatAmount),
                invoice.refundedAmount > 0 ? total(t.refunded, invoice.refundedAmount) : null,
            ),
        );
    }

    paymentView(invoice) {
        const checkout = showsQR(invoice) ? safeURL(invoice.paymentUrl) : null;
        const documents = documentLinks(invoice, this.t);
        if (!checkout && !documents.length) return null;
        const url = this._qr.get(invoice.id);
        return h(
            "div",
            { class: "payment" },
            checkout ? h("span", { class: "qr-slot" }, url ? qrImage(url, this.t) : null) : null,
            h(
                "div",
                { class: "links" },
                checkout ? h("a", { href: checkout, target: "_blank", rel: "noopener noreferrer", part: "link" }, this.t.checkout) : null,
                documents,
            ),
        );
    }

    cancelView(invoice) {
        const t = this.t;
        // A partly paid invoice has money recorded on it: the provider does not void it.
        if (!PAYABLE.has(invoice.status) || invoice.status === "partially_paid") return null;
        if (!this._confirming) {
            return h("div", { class: "actions" }, button(t.cancelInvoice, () => this.askCancel(), { kind: "secondary", key: "cancel" }));
        }
        const box = h(
            "div",
            { class: "notice confirm", role: "group", "aria-labelledby": "cancel-question" },
            h("p", { id: "cancel-question" }, t.cancelConfirm),
            h(
                "div",
                { class: "actions" },
                button(t.yesCancel, () => this.cancel(box), { kind: "danger", key: "yes-cancel" }),
                button(t.keepInvoice, () => this.keepInvoice(), { kind: "secondary", key: "keep-invoice" }),
            ),
        );
        return box;
    }

    historyView() {
        const t = this.t;
        if (!this._events.length) return h("p", { class: "muted", part: "history" }, t.noHistory);
        return h(
            "ol",
            { class: "history", part: "history", "aria-labelledby": "history-heading" },
            this._events.map((event) =>
                h(
                    "li",
                    { dataset: { type: event.type, sequence: event.sequence } },
                    h("time", { datetime: event.timestamp }, formatDateTime(event.timestamp, this.language)),
                    t.events[event.type] ?? event.type,
                    event.data?.refund ? ` (${formatMinor(event.data.refund.amount, event.data.currency ?? this._invoice?.currency ?? "RUB", this.language)})` : null,
                ),
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Registration (a page may load this module from two URLs; the first definition wins)
// ---------------------------------------------------------------------------------------------

for (const [name, element] of [
    ["folio-enable-invoicing", FolioEnableInvoicing],
    ["folio-invoice-list", FolioInvoiceList],
    ["folio-invoice", FolioInvoice],
]) {
    if (globalThis.customElements && !customElements.get(name)) customElements.define(name, element);
}

export { FolioEnableInvoicing, FolioInvoiceList, FolioInvoice };
