// An equirectangular projection (longitudes scaled by cos of the mid latitude) fitted to points,
// keeping the aspect ratio, with a margin in pixels.
export interface Projection {
  project: (lng: number, lat: number) => [number, number];
  minLng: number; maxLng: number; minLat: number; maxLat: number;
}

export function fitProjection(points: [number, number][], width: number, height: number, margin: number): Projection {
  let minLng = Infinity, maxLng = -Infinity, minLat = Infinity, maxLat = -Infinity;
  for (const [lng, lat] of points) {
    minLng = Math.min(minLng, lng); maxLng = Math.max(maxLng, lng);
    minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
  }
  // At least 2° each way, so that one location (or two close ones) still gets a sensible frame.
  const padLng = Math.max(1, (maxLng - minLng) * 0.1), padLat = Math.max(1, (maxLat - minLat) * 0.1);
  minLng -= padLng; maxLng += padLng; minLat -= padLat; maxLat += padLat;
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = (maxLng - minLng) * k;
  const spanY = maxLat - minLat;
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  return {
    minLng, maxLng, minLat, maxLat,
    project: (lng, lat) => [offX + (lng - minLng) * k * scale, offY + (maxLat - lat) * scale],
  };
}
