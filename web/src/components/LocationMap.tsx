import type { ReactElement } from 'react';
import type { Location } from '../lib/types';
import { fitProjection } from '../lib/geo';

// The locations on a small map drawn offline: an equirectangular projection fitted to the
// locations (no tiles, nothing fetched), a graticule every 5°, each location a dot sized by stock.
export function LocationMap({ locations, totals }: { locations: Location[]; totals: Record<string, { available: number }> }) {
  const width = 520;
  const height = 300;
  if (locations.length === 0) return null;
  const points: [number, number][] = locations.map((l) => [l.lng, l.lat]);
  // Room east of the easternmost location for its name.
  const east = Math.max(...points.map(([lng]) => lng));
  const west = Math.min(...points.map(([lng]) => lng));
  points.push([east + Math.max(2.5, (east - west) * 0.35), points[0][1]]);
  const p = fitProjection(points, width, height, 30);
  const lines: ReactElement[] = [];
  for (let lng = Math.ceil(p.minLng / 5) * 5; lng <= p.maxLng; lng += 5) {
    const [x] = p.project(lng, p.minLat);
    lines.push(<line key={`v${lng}`} x1={x} x2={x} y1={0} y2={height} className="graticule" />);
    lines.push(<text key={`vt${lng}`} x={x + 2} y={height - 4} className="graticule-label">{lng}°E</text>);
  }
  for (let lat = Math.ceil(p.minLat / 5) * 5; lat <= p.maxLat; lat += 5) {
    const [, y] = p.project(p.minLng, lat);
    lines.push(<line key={`h${lat}`} x1={0} x2={width} y1={y} y2={y} className="graticule" />);
    lines.push(<text key={`ht${lat}`} x={2} y={y - 2} className="graticule-label">{lat}°N</text>);
  }
  const maxStock = Math.max(1, ...locations.map((l) => totals[l.id]?.available ?? 0));
  return (
    <svg className="map" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Locations map" data-testid="location-map">
      <rect x={0} y={0} width={width} height={height} className="map-bg" />
      {lines}
      {locations.map((l) => {
        const [x, y] = p.project(l.lng, l.lat);
        const r = 5 + 9 * Math.sqrt((totals[l.id]?.available ?? 0) / maxStock);
        return (
          <g key={l.id} className={`map-loc ${l.kind}${l.active ? '' : ' inactive'}`}>
            <circle cx={x} cy={y} r={r}><title>{`${l.name} (${l.lat}, ${l.lng})`}</title></circle>
            <text x={x + r + 3} y={y + 4}>{l.name}</text>
          </g>
        );
      })}
    </svg>
  );
}
