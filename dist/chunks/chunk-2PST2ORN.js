import{preflight}from"./chunk-RLLU5UNO.js";async function runPreflight(rt,common){await preflight(rt,common)}export{runPreflight};
