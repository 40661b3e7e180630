/** A UTC date range (`YYYY-MM-DD` days, both included), as the charts and the engagement panel ask for one. */
export interface DateRange {
  startDate: string;
  endDate: string;
}

/**
 * The From / To day inputs of a date range: each bounded by the other, an emptied input ignored. `names` are the
 * inputs' form names (the views keep their own, which the browser tests and the address bar's users know).
 */
export function DateRangeInputs({
  range,
  onChange,
  names,
}: {
  range: DateRange;
  onChange: (range: DateRange) => void;
  names: { start: string; end: string };
}) {
  return (
    <>
      <label>
        From
        <input
          type="date"
          name={names.start}
          value={range.startDate}
          max={range.endDate}
          onChange={(e) => e.currentTarget.value && onChange({ ...range, startDate: e.currentTarget.value })}
        />
      </label>
      <label>
        To
        <input
          type="date"
          name={names.end}
          value={range.endDate}
          min={range.startDate}
          onChange={(e) => e.currentTarget.value && onChange({ ...range, endDate: e.currentTarget.value })}
        />
      </label>
    </>
  );
}
