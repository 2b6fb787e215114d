import{preflight}from"./chunk-IKDWBSX3.js";async function runPreflight(rt,common){await preflight(rt,common)}export{runPreflight};
