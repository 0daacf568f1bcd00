"""Salesforce Commerce Cloud mock with the TikTok cartridge: OCAPI Shop/Data, CreateExternalOrder, feeds, jobs."""
