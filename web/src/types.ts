// Types of the operator API (docs/api.md). Times are ISO-8601 UTC strings.
//
// Every type the node's documents describe is an alias of the generated ones: src/api/openapi.gen.ts
// (from /api/openapi.json) and src/api/live.gen.ts (from /api/asyncapi.json, the live feed), made by
// `npm run gen:api`; a stale copy fails `npm test`. Only what the documents leave open is written
// here: GeoJSON shapes (the map layers are free-form JSON in the API).
import type { components as RestComponents } from "./api/openapi.gen";
import type { components as LiveComponents } from "./api/live.gen";

type Rest = RestComponents["schemas"];
type Live = LiveComponents["schemas"];

export type Role = Rest["Role"];
export type User = Rest["UserPublic"];
export type Session = Rest["SessionPublic"];
/** An optional feature a server may serve (Session.features lists those it does). */
export type ServerFeature = Rest["Feature"];
/** The site; `bounds` is [west, south, east, north]. */
export type Site = Rest["SitePublic"];

export type DeviceState = Rest["DeviceState"];
export type DeviceStatus = Rest["DeviceStatusPublic"];

export interface Polygon {
  type: "Polygon";
  coordinates: number[][][];
}

/** A camera; the API types its field of view as free JSON, the node sends a GeoJSON Polygon. */
export type Camera = Omit<Rest["CameraPublic"], "fov"> & { fov: Polygon | null };

export type IncidentStatus = Rest["IncidentStatus"];
export type Resolution = Rest["Resolution"];
export type HistoryEntry = Rest["HistoryStepPublic"];
export type Note = Rest["NotePublic"];
/** Crossings an incident holds, by direction (docs/alerts.md). */
export type Crossings = Rest["CrossingsPublic"];
export type Incident = Rest["IncidentPublic"];
export type Clip = Rest["ClipPublic"];
/** The answer of POST /api/exports: the bundle's id, download path and SHA-256. */
export type ExportAnswer = Rest["ExportPublic"];
/** One row of GET /api/stats/false-alarms. */
export type FalseAlarmStats = Rest["FalseAlarmStatsPublic"];
/** One event as ``GET /api/events/{id}`` returns it. */
export type EventRecord = Rest["EventPublic"];

/** 1-sigma position uncertainty: semi-axes in metres, major axis bearing (degrees from north). */
export type TrackEllipse = Live["EllipsePublic"];
/** A track on the live feed: a fused site track (camera_id null, with the sensors behind it)
 * or, on a node without fusion, one camera's track. */
export type LiveTrackPublic = Live["LiveTrackPublic"];
/** A track as the store keeps it for the map: as sent, but an unclassified track (class_name
 * null on the wire) is named UNCLASSIFIED (Store.upsertTrack), so the map always has a class. */
export type LiveTrack = Omit<LiveTrackPublic, "class_name"> & { class_name: string };
/** The class name of a track the node has not classified. */
export const UNCLASSIFIED = "unknown";
/** An event as the live feed sends it. */
export type KordonEvent = Live["EventPublic"];
export type AlertReason = Live["AlertReason"];
/** The live feed's explicit alert, sent after the incident message of the same change. */
export type IncidentAlert = Live["AlertPublic"];
/** First message on every live connection (see docs/api.md, the live feed). */
export type Hello = Live["HelloPublic"];
/** A drone as the live feed sends it. */
export type Drone = Live["DronePublic"];
/** A cooperative (ADS-B) aircraft as the live feed sends it; `status: "expired"` removes it. */
export type Aircraft = Live["AircraftPublic"];

/** Every message the node sends on /api/live. */
export type LiveMessage =
  | Live["LiveTrackMessage"]
  | Live["LiveEventMessage"]
  | Live["LiveIncidentMessage"]
  | Live["LiveAlertMessage"]
  | Live["LiveHelloMessage"]
  | Live["LiveDroneMessage"]
  | Live["LiveAircraftMessage"]
  | Live["LiveDeviceMessage"]
  | Live["LivePongMessage"];

export interface Feature<G, P> {
  type: "Feature";
  geometry: G;
  properties: P;
  id?: string | number;
}

export interface FeatureCollection<G = unknown, P = Record<string, unknown>> {
  type: "FeatureCollection";
  features: Feature<G, P>[];
}
