// A paper account's order form (docs/paper.md): the API's fields (lists from src/api/types.ts), the
// API's checks beside each field before sending (src/paper/order.ts), the symbol's last price when
// the field is left (GET /v1/market/quotes: a market order fills at it), and an Idempotency-Key per
// submit, the same one when the same order is sent again before the API placed it.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useRef, useState, type SyntheticEvent } from "react";
import { api } from "../api/client";
import {
  PAPER_EXCHANGES,
  PAPER_ORDER_TYPES,
  PAPER_PRODUCTS,
  PAPER_SIDES,
  PAPER_VALIDITIES,
  type PaperExchange,
  type PaperOrder,
  type PaperOrderIn,
  type PaperOrderType,
  type PaperProduct,
  type PaperSide,
  type PaperValidity,
} from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { TextField } from "../components/TextField";
import { formatInr } from "../format";
import {
  EMPTY_ORDER,
  needsPrice,
  needsTrigger,
  orderRequest,
  placedNotice,
  PRODUCT_LABELS,
  SubmitKeys,
  validateOrder,
  VALIDITY_LABELS,
  type OrderDraft,
  type OrderErrors,
} from "../paper/order";

type Quotes = Record<string, { ltp: string; ts?: string | null }>;

const TYPE_HELP: Record<PaperOrderType, string> = {
  MARKET: "A market order fills at once at the instrument's last quote (partly, when the quote's volume is short).",
  LIMIT: "A limit order rests until a quote crosses it (checked every minute) and fills at the quote; a buy holds its value plus charges meanwhile.",
  SL: "A stop-loss order waits for the trigger price (a buy when the price rises to it, a sell when it falls to it), then rests as a limit order.",
  "SL-M": "A stop-loss market order waits for the trigger price (a buy when the price rises to it, a sell when it falls to it), then fills at market.",
};

export function PaperOrderForm({ accountId, onPlaced }: { accountId: string; onPlaced: (text: string) => void }) {
  const ids = useId();
  const [draft, setDraft] = useState<OrderDraft>(EMPTY_ORDER);
  const [errors, setErrors] = useState<OrderErrors>({});
  const [quoteOf, setQuoteOf] = useState<string | null>(null);
  const submitKeys = useRef(new SubmitKeys());

  const quote = useQuery({
    queryKey: ["quote", quoteOf],
    queryFn: ({ signal }) => api<Quotes>("/v1/market/quotes", { query: { symbols: quoteOf }, signal }),
    enabled: quoteOf !== null,
    retry: false,
    staleTime: 5_000,
  });
  const place = useMutation({
    mutationFn: (body: PaperOrderIn) =>
      api<PaperOrder>(`/v1/paper/accounts/${encodeURIComponent(accountId)}/orders`, {
        method: "POST",
        body,
        headers: { "Idempotency-Key": submitKeys.current.keyFor(body) },
      }),
    onSuccess: (order) => {
      submitKeys.current.settle(); // placed: the next submit is a new order
      onPlaced(placedNotice(order, formatInr));
      setDraft((current) => ({ ...current, quantity: "", price: "", triggerPrice: "" }));
    },
  });

  function update(fields: Partial<OrderDraft>) {
    setDraft((current) => ({ ...current, ...fields }));
    setErrors({});
    place.reset();
  }

  function lookUp(symbol: string, exchange: PaperExchange) {
    const clean = symbol.trim().toUpperCase();
    setQuoteOf(validateOrder({ ...draft, symbol: clean }).symbol ? null : `${exchange}:${clean}`);
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const found = validateOrder(draft);
    setErrors(found);
    const first = (["symbol", "quantity", "price", "triggerPrice"] as const).find((field) => found[field]);
    if (first) {
      document.getElementById(`${ids}-${first}`)?.focus();
      return;
    }
    place.mutate(orderRequest(draft));
  }

  const ltp = quoteOf ? quote.data?.[quoteOf]?.ltp : undefined;
  const quoteError = quote.error instanceof Error ? quote.error.message : undefined;
  const limit = needsPrice(draft.type);
  const trigger = needsTrigger(draft.type);
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={`${ids}-title`} data-testid="paper-order-form">
      <h2 id={`${ids}-title`} className="wide">
        Place a paper order
      </h2>
      <TextField
        id={`${ids}-symbol`}
        label="Symbol"
        value={draft.symbol}
        onChange={(symbol) => update({ symbol })}
        onBlur={(event) => lookUp(event.target.value, draft.exchange)}
        error={errors.symbol ?? quoteError}
        help={ltp ? `Last price ${formatInr(ltp)}` : quote.isFetching ? "Looking up the last price…" : undefined}
        helpTestId="paper-quote"
        placeholder="INFY"
        autoComplete="off"
        spellCheck={false}
      />
      <label>
        Exchange
        <select
          value={draft.exchange}
          onChange={(event) => {
            const exchange = event.target.value as PaperExchange;
            update({ exchange });
            lookUp(draft.symbol, exchange);
          }}
        >
          {PAPER_EXCHANGES.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </label>
      <label>
        Side
        <select value={draft.side} onChange={(event) => update({ side: event.target.value as PaperSide })}>
          {PAPER_SIDES.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </label>
      <label>
        Order type
        <select value={draft.type} onChange={(event) => update({ type: event.target.value as PaperOrderType })}>
          {PAPER_ORDER_TYPES.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </label>
      <label>
        Product
        <select value={draft.product} onChange={(event) => update({ product: event.target.value as PaperProduct })}>
          {PAPER_PRODUCTS.map((value) => (
            <option key={value} value={value}>
              {PRODUCT_LABELS[value] ?? value}
            </option>
          ))}
        </select>
      </label>
      <label>
        Validity
        <select value={draft.validity} onChange={(event) => update({ validity: event.target.value as PaperValidity })}>
          {PAPER_VALIDITIES.map((value) => (
            <option key={value} value={value}>
              {VALIDITY_LABELS[value] ?? value}
            </option>
          ))}
        </select>
      </label>
      <TextField
        id={`${ids}-quantity`}
        label="Quantity (shares)"
        value={draft.quantity}
        onChange={(quantity) => update({ quantity })}
        error={errors.quantity}
        inputMode="numeric"
        placeholder="10"
      />
      {limit && (
        <TextField
          id={`${ids}-price`}
          label="Limit price (₹)"
          value={draft.price}
          onChange={(price) => update({ price })}
          error={errors.price}
          inputMode="decimal"
          placeholder="1500.25"
        />
      )}
      {trigger && (
        <TextField
          id={`${ids}-triggerPrice`}
          label="Trigger price (₹)"
          value={draft.triggerPrice}
          onChange={(triggerPrice) => update({ triggerPrice })}
          error={errors.triggerPrice}
          inputMode="decimal"
          placeholder="1495"
        />
      )}
      <div className="wide">
        <p className="muted">
          {TYPE_HELP[draft.type]} {draft.validity === "IOC" ? "IOC: what the quote does not fill now is canceled." : "Valid for the day (to 15:30 IST)."}
          {draft.product === "MIS" && " MIS: on margin, squared off at 15:20 IST."}
        </p>
        <ErrorMessage error={place.error} />
        {place.isError && <p className="muted">Sending the same order again retries it safely: it is never placed twice.</p>}
        <button type="submit" disabled={place.isPending}>
          {place.isPending ? "Placing…" : `Place paper ${draft.side === "BUY" ? "buy" : "sell"} order`}
        </button>
      </div>
    </form>
  );
}
