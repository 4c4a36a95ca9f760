testServerTiming(document.currentScript, [])
